// Canaries in the RL loop (issue 17): a sample of an iteration's tasks graded again by the real harness, the gold
// patch `goldRuns` times and the empty patch once (what `tasks validate` checks). An evaluation whose verdict
// differs from the validated one (gold resolves, empty does not) is a flip: the harness, not the policy, decided
// that task's rewards, so the task is quarantined for the rest of the run. An infra_error is neither verdict
// (the engine's fault): it is retried, then counted in the detail only.
import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from '../deps.ts';
import { createTaskStore } from '../tasks/store.ts';
import { evaluateBatch, type BatchItem } from './batch.ts';
import type { EvaluationResult } from './evaluate.ts';
import type { CanaryInput, CanaryResult } from '../../contracts/rollout.ts';

export type { CanaryInput, CanaryResult };

interface Tally {
  runs: number;
  flips: number;
  goldResolved: boolean;
  emptyResolved: boolean;
  infra: number;
  notes: string[];
}

/** One task's verdicts against the validated ones. */
export function tallyCanary(results: { gold: boolean; r: Pick<EvaluationResult, 'outcome' | 'message'> }[]): Tally {
  const t: Tally = { runs: 0, flips: 0, goldResolved: true, emptyResolved: false, infra: 0, notes: [] };
  for (const { gold, r } of results) {
    if (r.outcome === 'infra_error') {
      t.infra++;
      continue;
    }
    t.runs++;
    const resolved = r.outcome === 'resolved';
    if (gold) t.goldResolved &&= resolved;
    else t.emptyResolved ||= resolved;
    if (resolved !== gold) {
      t.flips++;
      if (t.notes.length < 2) t.notes.push(`${gold ? 'gold' : 'empty'} ${r.outcome}: ${r.message.slice(0, 200)}`);
    }
  }
  return t;
}

export function createCanaryActivities(deps: ActivityDeps) {
  const store = createTaskStore(deps.pool);
  return {
    async canaryCheck(input: CanaryInput): Promise<CanaryResult> {
      if (!deps.docker) throw ApplicationFailure.nonRetryable('canaries need a Docker client', 'ConfigError');
      const tasks = await store.list({ ids: input.taskIds });
      const items: (BatchItem & { gold: boolean })[] = tasks.flatMap((task) => [
        ...Array.from({ length: input.goldRuns }, () => ({ task, patch: task.patch, gold: true })),
        { task, patch: '', gold: false },
      ]);
      const results: { taskId: string; gold: boolean; r: EvaluationResult }[] = [];
      const beat = setInterval(() => heartbeat({ done: results.length, of: items.length }), 5_000);
      try {
        await evaluateBatch(deps.docker, items, {
          sandbox: input.sandbox,
          concurrency: input.concurrency ?? 2,
          attempts: 2,
          labels: { run: input.runId, activity: 'canary' },
          onResult: (i, item, r) => results.push({ taskId: item.task.instance_id, gold: items[i]!.gold, r }),
        });
      } finally {
        clearInterval(beat);
      }
      const flipped: string[] = [];
      for (const task of tasks) {
        const t = tallyCanary(results.filter((x) => x.taskId === task.instance_id));
        const detail = [...t.notes, t.infra ? `${t.infra} infra_error evaluation(s) not counted` : '']
          .filter(Boolean)
          .join('; ');
        // Idempotent: a retried activity rewrites its own rows.
        await deps.pool.query(
          `insert into task_canaries (run_id, iteration, task_id, gold_resolved, empty_resolved, flipped, detail, runs, flips)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           on conflict (run_id, iteration, task_id) do update set gold_resolved = excluded.gold_resolved,
             empty_resolved = excluded.empty_resolved, flipped = excluded.flipped, detail = excluded.detail,
             runs = excluded.runs, flips = excluded.flips, checked_at = now()`,
          [
            input.runId,
            input.iteration,
            task.instance_id,
            t.goldResolved,
            t.emptyResolved,
            t.flips > 0,
            detail,
            t.runs,
            t.flips,
          ],
        );
        if (t.flips === 0) continue;
        flipped.push(task.instance_id);
        await deps.pool.query(
          `insert into task_quarantine (run_id, task_id, iteration, reason) values ($1, $2, $3, $4)
           on conflict (run_id, task_id) do nothing`,
          [
            input.runId,
            task.instance_id,
            input.iteration,
            `harness_flaky: ${t.flips} of ${t.runs} verdicts flipped; ${detail}`,
          ],
        );
      }
      const q = await deps.pool.query<{ task_id: string }>(
        'select task_id from task_quarantine where run_id = $1 order by task_id',
        [input.runId],
      );
      return { checked: tasks.map((t) => t.instance_id), flipped, quarantined: q.rows.map((r) => r.task_id) };
    },
  };
}
