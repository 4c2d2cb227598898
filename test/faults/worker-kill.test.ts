// Scenario 1: the rollout worker is killed with SIGKILL five times during a distill stage of 40 rollouts and
// restarted each time. The stage completes, every (task, sample) has exactly one row, and once the reaper has
// run no container of the run remains.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reapOrphans } from '../../infra/sandbox.ts';
import { printFaultTable, scenario } from './lib/results.ts';
import { containersOfRun, duplicates, faultConfig, outcome, rolloutRows } from '../../dev/faultRun.ts';
import { startFaultStack, type FaultStack } from '../../dev/faultStack.ts';
import { until } from '../../dev/wait.ts';
import type { WorkerProcess } from '../../dev/workers.ts';

const RUN = 'faults-worker-kill';
const KILLS = 5;
const TASKS = 10;
const SAMPLES = 4;
const ROLLOUT_ENV = { SWE_FORGE_ROLLOUT_CONCURRENCY: '4' };
let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack('worker-kill');
  await stack.importTasks();
  await stack.startWorker('orchestrator');
}, 600_000);
afterAll(async () => {
  await stack?.stop();
  printFaultTable();
});

/** A container of the run started after `since` (so: by the worker started then) that is running. */
const runningSince = async (since: number) =>
  (await containersOfRun(stack.docker, RUN)).find((c) => c.State === 'running' && c.Created * 1000 >= since - 1000);

it(
  'survives five kill -9 of the rollout worker mid-distill with one row per (task, sample)',
  { timeout: 600_000 },
  async () => {
    await scenario(
      '1. kill -9 the rollout worker 5x during a 40-rollout distill',
      'stage completes; exactly one row per (task, sample); no container of the run left after the reaper',
      'worker-kill.test.ts',
      async ({ saw }) => {
        const config = faultConfig('worker-kill', ['distill'], {
          tasks: { limit: TASKS },
          stages: { distill: { samplesPerTask: SAMPLES, window: TASKS * SAMPLES } },
        });
        let worker: WorkerProcess = await stack.startWorker('rollout', ROLLOUT_ENV);
        const handle = await stack.startRun(RUN, config);
        let killedWhileBusy = 0;
        for (let k = 0; k < KILLS; k++) {
          const since = Date.now();
          const busy = await until(`a rollout container of worker #${k + 1}`, () => runningSince(since), 240_000, 100);
          await worker.kill9();
          if (busy) killedWhileBusy++;
          worker = await stack.startWorker('rollout', ROLLOUT_ENV);
        }
        saw(`${killedWhileBusy} kills, each with a rollout container running`);
        const done = await outcome(handle);
        expect(done, JSON.stringify(done)).toMatchObject({ ok: true });
        const rows = await rolloutRows(stack.base.pool!, RUN, 'distill');
        const keys = new Set(rows.map((r) => `${r.task_id}#${r.sample}`));
        saw(
          `run completed; ${rows.length} rows, ${keys.size} distinct (task, sample), ${rows.filter((r) => r.attempt > 1).length} written by a retry`,
        );
        expect(duplicates(rows)).toEqual([]);
        expect(rows).toHaveLength(TASKS * SAMPLES);
        expect(keys.size).toBe(TASKS * SAMPLES);
        expect(rows.filter((r) => r.masked)).toEqual([]);
        const left = await containersOfRun(stack.docker, RUN);
        const { removed } = await reapOrphans(stack.docker, { ttlSec: 0, runId: RUN });
        const after = await containersOfRun(stack.docker, RUN);
        saw(`${left.length} orphaned containers after the run, ${removed.length} reaped, ${after.length} left`);
        expect(after).toEqual([]);
        expect(killedWhileBusy).toBe(KILLS);
      },
    );
  },
);
