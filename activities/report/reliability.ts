// The report's reliability section (issue 17): exploit-flagged rollouts (what each tried and what the config did
// about it), rollouts that outlived their worker (resumed mid-episode or restarted), and canary flake rates per
// task with the quarantined ones. Empty parts are left out.
import type pg from 'pg';

export interface ReliabilitySection {
  exploits: { stage: string; taskId: string; sample: number; kind: string; reason: string; action: string }[];
  takeovers: { stage: string; taskId: string; sample: number; resumes: number; restarts: number; note: string }[];
  /** Per task: canary checks (iterations that re-validated it), evaluations they ran, verdicts that flipped. */
  canaries: {
    taskId: string;
    checks: number;
    runs: number;
    flips: number;
    flakeRate: number;
    quarantined: boolean;
    quarantinedAt: number | null;
  }[];
}

export async function loadReliability(pool: pg.Pool, runId: string): Promise<ReliabilitySection> {
  const exploits = await pool.query(
    `select stage, task_id, sample, kind, reason, action from rollout_exploits where run_id = $1
     order by stage, task_id, sample, kind`,
    [runId],
  );
  const takeovers = await pool.query(
    `select stage, task_id, sample, resumes, restarts, coalesce(note, '') as note from rollout_leases
     where run_id = $1 and (resumes > 0 or restarts > 0) order by stage, task_id, sample`,
    [runId],
  );
  const canaries = await pool.query(
    `select c.task_id, count(*)::int as checks, sum(c.runs)::int as runs, sum(c.flips)::int as flips,
       min(q.iteration) as quarantined_at
     from task_canaries c left join task_quarantine q on q.run_id = c.run_id and q.task_id = c.task_id
     where c.run_id = $1 group by c.task_id order by c.task_id`,
    [runId],
  );
  return {
    exploits: exploits.rows.map((r) => ({ ...r, taskId: r.task_id })),
    takeovers: takeovers.rows.map((r) => ({ ...r, taskId: r.task_id })),
    canaries: canaries.rows.map((r) => ({
      taskId: r.task_id,
      checks: r.checks,
      runs: r.runs,
      flips: r.flips,
      flakeRate: r.runs ? r.flips / r.runs : 0,
      quarantined: r.quarantined_at !== null,
      quarantinedAt: r.quarantined_at,
    })),
  };
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function reliabilityMarkdown(r: ReliabilitySection): string[] {
  const out: string[] = [];
  if (r.exploits.length) {
    out.push('', '## Exploit checks', '', `${r.exploits.length} flag(s); flagged rollouts are never SFT data.`, '');
    out.push('| stage | task | sample | kind | what it did | action |', '|---|---|---|---|---|---|');
    for (const e of r.exploits)
      out.push(`| ${e.stage} | ${e.taskId} | ${e.sample} | ${e.kind} | ${cell(e.reason)} | ${e.action} |`);
  }
  if (r.takeovers.length) {
    out.push('', '## Rollouts that outlived their worker', '');
    out.push('| stage | task | sample | resumed | restarted | note |', '|---|---|---|---|---|---|');
    for (const t of r.takeovers)
      out.push(`| ${t.stage} | ${t.taskId} | ${t.sample} | ${t.resumes} | ${t.restarts} | ${cell(t.note)} |`);
  }
  if (r.canaries.length) {
    out.push('', '## Canaries (harness re-validation)', '');
    out.push(
      'Each check grades the gold patch (`stages.rl.canaries.goldRuns` times) and the empty one; a flip is a verdict ' +
        "other than the validated one. A task that flips is quarantined and its rewards in that iteration are masked as 'harness_flaky'.",
      '',
    );
    out.push('| task | checks | evaluations | flips | flake rate | quarantined |', '|---|---|---|---|---|---|');
    for (const c of r.canaries) {
      const q = c.quarantined ? `yes (iteration ${c.quarantinedAt})` : 'no';
      out.push(`| ${c.taskId} | ${c.checks} | ${c.runs} | ${c.flips} | ${(100 * c.flakeRate).toFixed(0)}% | ${q} |`);
    }
  }
  return out;
}
