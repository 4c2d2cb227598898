// Per-repository and per-instance tables: where the run's resolved rate comes from. One row per (repo or instance,
// stage); masked rollouts are counted but left out of the rate and the mean reward, as everywhere else.
import type pg from 'pg';
import { num, pct, table } from './markdown.ts';

export interface BreakdownRow {
  stage: string;
  samples: number;
  masked: number;
  resolved: number;
  /** resolved / unmasked samples; null when every sample was masked. */
  resolvedRate: number | null;
  meanReward: number | null;
}
export interface InstanceRow extends BreakdownRow {
  taskId: string;
  repo: string;
}
export interface RepoRow extends BreakdownRow {
  repo: string;
  tasks: number;
}

/** The task store's repo; else SWE-bench's instance id convention `owner__name-123`. */
export function repoOf(taskId: string, stored: string | null): string {
  if (stored) return stored;
  const m = /^(.+?)__(.+)-\d+$/.exec(taskId);
  return m ? `${m[1]}/${m[2]}` : '(unknown)';
}

export async function loadBreakdown(
  pool: pg.Pool,
  runId: string,
): Promise<{ repos: RepoRow[]; instances: InstanceRow[] }> {
  const { rows } = await pool.query<{
    task_id: string;
    repo: string | null;
    stage: string;
    samples: string;
    masked: string;
    resolved: string;
    reward_sum: number | null;
  }>(
    `select r.task_id, t.repo, r.stage, count(*) as samples, count(*) filter (where r.masked) as masked,
            count(*) filter (where r.outcome = 'resolved' and not r.masked) as resolved,
            sum(r.reward) filter (where not r.masked)::float8 as reward_sum
       from rollouts r left join tasks t on t.instance_id = r.task_id
      where r.run_id = $1 group by r.task_id, t.repo, r.stage order by r.task_id, min(r.id)`,
    [runId],
  );
  const instances: InstanceRow[] = rows.map((r) => {
    const samples = Number(r.samples);
    const scored = samples - Number(r.masked);
    return {
      taskId: r.task_id,
      repo: repoOf(r.task_id, r.repo),
      stage: r.stage,
      samples,
      masked: Number(r.masked),
      resolved: Number(r.resolved),
      resolvedRate: scored ? Number(r.resolved) / scored : null,
      meanReward: scored && r.reward_sum !== null ? Number(r.reward_sum) / scored : null,
    };
  });
  const byRepo = new Map<string, RepoRow & { rewardSum: number; taskIds: Set<string> }>();
  for (const i of instances) {
    const key = `${i.repo}\u0000${i.stage}`;
    const acc = byRepo.get(key) ?? {
      repo: i.repo,
      stage: i.stage,
      tasks: 0,
      samples: 0,
      masked: 0,
      resolved: 0,
      resolvedRate: null,
      meanReward: null,
      rewardSum: 0,
      taskIds: new Set<string>(),
    };
    acc.taskIds.add(i.taskId);
    acc.samples += i.samples;
    acc.masked += i.masked;
    acc.resolved += i.resolved;
    acc.rewardSum += (i.meanReward ?? 0) * (i.samples - i.masked);
    byRepo.set(key, acc);
  }
  const repos = [...byRepo.values()]
    .map(({ rewardSum, taskIds, ...r }) => {
      const scored = r.samples - r.masked;
      return {
        ...r,
        tasks: taskIds.size,
        resolvedRate: scored ? r.resolved / scored : null,
        meanReward: scored ? rewardSum / scored : null,
      };
    })
    .sort((a, b) => a.repo.localeCompare(b.repo) || a.stage.localeCompare(b.stage));
  return { repos, instances };
}

/** The Markdown lists at most maxInstances instance rows; per-instance.json beside the report has them all. */
export function breakdownMarkdown(b: { repos: RepoRow[]; instances: InstanceRow[] }, maxInstances = 300): string[] {
  const figures = (r: BreakdownRow) => [r.samples, r.masked, r.resolved, pct(r.resolvedRate), num(r.meanReward)];
  const head = ['samples', 'masked', 'resolved', 'resolved rate', 'mean reward'];
  const out = ['', '## Per repository', ''];
  if (!b.repos.length) return [...out, 'No rollouts in this run.'];
  out.push(
    'Resolved rate and mean reward over unmasked samples, per stage.',
    '',
    table(
      ['repository', 'stage', 'tasks', ...head],
      b.repos.map((r) => [r.repo, r.stage, r.tasks, ...figures(r)]),
    ),
    '',
    '## Per instance',
    '',
    table(
      ['instance', 'stage', ...head],
      b.instances.slice(0, maxInstances).map((r) => [r.taskId, r.stage, ...figures(r)]),
    ),
  );
  if (b.instances.length > maxInstances)
    out.push('', `${b.instances.length - maxInstances} more rows in per-instance.json.`);
  return out;
}
