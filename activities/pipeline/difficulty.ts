// Difficulty from Best-of-N rollout rows: pass rate per task into the difficulty table, a histogram for the
// report, and the pool of tasks the filter keeps (what RL samples from).
import { difficultyByTask, passRateHistogram } from '../../core/difficulty.ts';
import { keptTasks } from '../../core/filter.ts';
import type { ActivityDeps } from '../deps.ts';
import { fetchRollouts } from './rolloutRows.ts';
import type { DifficultySummary } from '../../contracts/pipeline.ts';

export function createDifficultyActivities({ pool }: Pick<ActivityDeps, 'pool'>) {
  return {
    async computeDifficulty(input: { runId: string; model: string; bins?: number }): Promise<DifficultySummary> {
      const rows = await fetchRollouts(pool, input.runId, ['difficulty']);
      const perTask = difficultyByTask(rows.map((r) => ({ taskId: r.taskId, resolved: r.resolved, masked: r.masked })));
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query('delete from difficulty where run_id = $1', [input.runId]);
        for (const d of perTask) {
          await client.query(
            'insert into difficulty (run_id, task_id, n, c, masked, pass_rate) values ($1, $2, $3, $4, $5, $6)',
            [input.runId, d.taskId, d.n, d.c, d.masked, d.passRate],
          );
        }
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw err;
      } finally {
        client.release();
      }
      const histogram = passRateHistogram(
        perTask.map((d) => d.passRate),
        input.bins ?? 10,
      );
      return { model: input.model, tasks: perTask.length, mixed: histogram.mixed, rollouts: rows.length, histogram };
    },

    /**
     * Tasks RL samples from: those the difficulty stage found mixed (or every scored one for keep = all); null when
     * no difficulty was estimated, so the caller falls back to the run's training tasks.
     */
    async taskPool(input: { runId: string; keep: 'mixed' | 'all' }): Promise<string[] | null> {
      const { rows } = await pool.query<{
        task_id: string;
        n: number;
        c: number;
        masked: number;
        pass_rate: number | null;
      }>('select task_id, n, c, masked, pass_rate from difficulty where run_id = $1 order by task_id', [input.runId]);
      if (rows.length === 0) return null;
      return keptTasks(
        rows.map((r) => ({ taskId: r.task_id, n: r.n, c: r.c, masked: r.masked, passRate: r.pass_rate })),
        input.keep,
      );
    },
  };
}
