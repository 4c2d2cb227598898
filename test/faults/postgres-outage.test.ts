// Scenario 5: Postgres is stopped for 10 s while a run's rollouts are in flight, then started again on the same
// data dir and port. Activities that hit the outage retry; the run completes with one row per rollout.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { printFaultTable, scenario } from './lib/results.ts';
import { duplicates, faultConfig, outcomeWithin, rolloutRows } from '../../dev/faultRun.ts';
import { startFaultStack, type FaultStack } from '../../dev/faultStack.ts';
import { until } from '../../dev/wait.ts';

const RUN = 'faults-postgres-outage';
const TASKS = 6;
const SAMPLES = 2;
const DOWN_MS = 10_000;
let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack('postgres-outage');
  await stack.importTasks();
}, 600_000);
afterAll(async () => {
  await stack?.stop();
  printFaultTable();
});

it('completes a run across a 10 s Postgres outage with no duplicate rows', { timeout: 600_000 }, async () => {
  await scenario(
    '5. stop Postgres for 10 s mid-run',
    'workers ride it out (queries wait for the server, activities retry) and survive; the run completes; one row per (task, sample), no duplicates',
    'postgres-outage.test.ts',
    async ({ saw }) => {
      const workers = [await stack.startWorker('orchestrator'), await stack.startWorker('rollout')];
      const config = faultConfig('postgres-outage', ['distill'], {
        tasks: { limit: TASKS },
        stages: { distill: { samplesPerTask: SAMPLES, window: 4 } },
      });
      const handle = await stack.startRun(RUN, config);
      const pool = stack.base.pool!;
      const before = await until(
        'the first rollout rows',
        async () => {
          const n = (await rolloutRows(pool, RUN, 'distill')).length;
          return n >= 2 ? n : undefined;
        },
        300_000,
      );
      await stack.restartPostgres(DOWN_MS);
      saw(`Postgres down ${DOWN_MS / 1000} s after ${before}/${TASKS * SAMPLES} rollouts`);
      const done = await outcomeWithin(stack.client, handle, 420_000, [
        join(stack.dir, 'worker-orchestrator-0.log'),
        join(stack.dir, 'worker-rollout-1.log'),
      ]);
      expect(done, JSON.stringify(done)).toMatchObject({ ok: true });
      const rows = await rolloutRows(pool, RUN, 'distill');
      saw(
        `run completed; ${rows.length} rows, ${duplicates(rows).length} duplicates, ${rows.filter((r) => r.attempt > 1).length} written by a retry`,
      );
      expect(duplicates(rows)).toEqual([]);
      expect(rows).toHaveLength(TASKS * SAMPLES);
      const { rows: stages } = await pool.query(
        'select stage, count(*)::int as n from stage_results where run_id = $1 group by stage',
        [RUN],
      );
      expect(stages).toEqual([{ stage: 'distill', n: 1 }]);
      const alive = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null).length;
      const felt = workers.filter((w) => w.log().includes('[postgres] idle connection lost')).length;
      saw(
        `${alive}/${workers.length} worker processes survived the outage (${felt} logged their connections dropping)`,
      );
      expect(alive).toBe(workers.length);
    },
  );
});
