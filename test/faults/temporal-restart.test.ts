// Scenario 2: the Temporal dev server is stopped and started again (same SQLite file, same port) while a run's
// rollouts are in flight. The workers reconnect by themselves and the run completes with one row per rollout.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { printFaultTable, scenario } from './lib/results.ts';
import { duplicates, faultConfig, outcome, rolloutRows } from '../../dev/faultRun.ts';
import { startFaultStack, type FaultStack } from '../../dev/faultStack.ts';
import { until } from '../../dev/wait.ts';

const RUN = 'faults-temporal-restart';
const TASKS = 6;
const SAMPLES = 2;
let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack('temporal-restart');
  await stack.importTasks();
}, 600_000);
afterAll(async () => {
  await stack?.stop();
  printFaultTable();
});

it('completes a run across a restart of the Temporal server', { timeout: 600_000 }, async () => {
  await scenario(
    '2. restart the Temporal dev server mid-run',
    'workers reconnect without a restart; the run completes; one row per (task, sample)',
    'temporal-restart.test.ts',
    async ({ saw }) => {
      const workers = [await stack.startWorker('orchestrator'), await stack.startWorker('rollout')];
      const config = faultConfig('temporal-restart', ['distill'], {
        tasks: { limit: TASKS },
        stages: { distill: { samplesPerTask: SAMPLES, window: 4 } },
      });
      const handle = await stack.startRun(RUN, config);
      const pool = stack.base.pool!;
      // Mid-run: some rollouts recorded, more to come.
      const before = await until(
        'the first rollout rows',
        async () => {
          const n = (await rolloutRows(pool, RUN, 'distill')).length;
          return n >= 2 ? n : undefined;
        },
        300_000,
      );
      const t0 = Date.now();
      await stack.restartTemporal();
      saw(
        `server restarted after ${before}/${TASKS * SAMPLES} rollouts (down ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      );
      const done = await outcome(handle);
      expect(done, JSON.stringify(done)).toMatchObject({ ok: true });
      const rows = await rolloutRows(pool, RUN, 'distill');
      saw(`run completed; ${rows.length} rows, ${duplicates(rows).length} duplicates`);
      expect(duplicates(rows)).toEqual([]);
      expect(rows).toHaveLength(TASKS * SAMPLES);
      const alive = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null).length;
      saw(`${alive}/${workers.length} worker processes still the original ones`);
      expect(alive).toBe(workers.length);
    },
  );
});
