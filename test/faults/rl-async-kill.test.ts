// Scenario 14 (issue 23): kill -9 the rollout worker and the gpu worker during an async RL iteration on the real
// stack (stages.rl.mode: async, k = 1; the scripted policy, stages.rl.offPolicy; the real tiny trainer). The gpu
// worker is killed while a grpo-step trainer process of iteration i runs and the rollout worker while a sandbox of
// iteration i+1 runs beside it, both restarted. The run completes: every (task, sample) has exactly one row, none
// masked, every iteration has one step recorded, and no batch member was more than k versions behind.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { printFaultTable, scenario } from './lib/results.ts';
import { containersOfRun, duplicates, faultConfig, outcome, rolloutRows } from '../../dev/faultRun.ts';
import { startFaultStack, type FaultStack } from '../../dev/faultStack.ts';
import { until } from '../../dev/wait.ts';
import type { WorkerProcess } from '../../dev/workers.ts';
import { tinyModelFor } from '../../dev/tinyModel.ts';

const RUN = 'faults-rl-async';
const ITERATIONS = 3;
const TASKS = ['mini__textkit-3', 'mini__intervals-2'];
const G = 2;
let stack: FaultStack;
let tinyModel: string;

beforeAll(async () => {
  stack = await startFaultStack('rl-async');
  await stack.importTasks();
  tinyModel = await tinyModelFor(stack);
  await stack.startWorker('orchestrator');
}, 600_000);
afterAll(async () => {
  await stack?.stop();
  printFaultTable();
});

/** The pid of a grpo-step trainer process of this run's iteration (its config file names the iteration). */
function grpoStepPid(iteration: number): number | undefined {
  const marker = join('runs', RUN, 'rl', `iter-${iteration}`);
  for (const d of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(join('/proc', d, 'cmdline'), 'utf8').split('\0');
      if (argv.includes('swe_forge_trainer') && argv.includes('grpo-step') && argv.some((a) => a.includes(marker)))
        return Number(d);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

it(
  'completes an async RL run after kill -9 of the rollout and gpu workers mid-iteration, no row lost or doubled',
  { timeout: 900_000 },
  async () => {
    await scenario(
      '14. kill -9 the rollout and gpu workers during an async RL iteration',
      'run completes; one row per (task, sample), none masked; one step per iteration; every batch member <= k versions behind',
      'rl-async-kill.test.ts',
      async ({ saw }) => {
        const config = faultConfig(RUN, ['rl'], {
          models: {
            policy: { name: 'scripted-policy', kind: 'scripted', toolFormat: 'native' },
            baseModelDir: tinyModel,
          },
          tasks: { train: TASKS },
          // A killed gpu worker's grpoStep is retried once its heartbeat times out: 20 s here instead of 5 minutes.
          training: { heartbeatTimeoutSec: 20 },
          agent: { maxTurns: 12 },
          stages: {
            rl: {
              iterations: ITERATIONS,
              batchTasks: TASKS.length,
              groupSize: G,
              offPolicy: true,
              stepWithoutSignal: true,
              canaries: { sample: 0 },
              lMax: 1024,
              mode: 'async',
              maxStaleness: 1,
            },
          },
        });
        let rollout: WorkerProcess = await stack.startWorker('rollout');
        let gpu: WorkerProcess = await stack.startWorker('gpu');
        const handle = await stack.startRun(RUN, config);
        const pool = stack.base.pool!;
        // Step 1's trainer running: iteration 2's rollouts run beside it (k = 1).
        const pid = await until('the grpo-step trainer of iteration 1', async () => grpoStepPid(1), 420_000, 100);
        const since = Date.now();
        const sandbox = await until(
          "a sandbox of iteration 2's rollouts",
          async () =>
            (await containersOfRun(stack.docker, RUN)).find(
              (c) => c.State === 'running' && c.Created * 1000 >= since - 60_000,
            ),
          240_000,
          100,
        );
        const stepRunning = grpoStepPid(1) !== undefined;
        await Promise.all([gpu.kill9(), rollout.kill9()]);
        saw(
          `killed the gpu worker (trainer pid ${pid}${stepRunning ? ' still stepping' : ''}) and the rollout worker (sandbox ${sandbox.Id.slice(0, 12)} running)`,
        );
        [gpu, rollout] = [await stack.startWorker('gpu'), await stack.startWorker('rollout')];
        const done = await outcome(handle);
        expect(done, JSON.stringify(done)).toMatchObject({ ok: true });
        const rows = await rolloutRows(pool, RUN, 'rl');
        saw(`run completed; ${rows.length} rows, ${rows.filter((r) => r.attempt > 1).length} written by a retry`);
        expect(duplicates(rows)).toEqual([]);
        expect(rows).toHaveLength(ITERATIONS * TASKS.length * G);
        expect(rows.filter((r) => r.masked)).toEqual([]);
        const its = (
          await pool.query<{
            iteration: number;
            checkpoint_id: string;
            metrics: { staleness?: Record<string, number> };
          }>('select iteration, checkpoint_id, metrics from rl_iterations where run_id = $1 order by iteration', [RUN])
        ).rows;
        expect(its.map((r) => r.iteration)).toEqual([1, 2, 3]);
        for (const r of its) {
          expect(r.checkpoint_id).toBe(`${RUN}/rl/iter-${r.iteration}/step-${r.iteration}`);
          const behind = Object.keys(r.metrics.staleness ?? {}).map(Number);
          expect(behind.length, `iteration ${r.iteration} has a staleness histogram`).toBeGreaterThan(0);
          expect(Math.max(...behind)).toBeLessThanOrEqual(1);
        }
        saw(`staleness per iteration: ${its.map((r) => JSON.stringify(r.metrics.staleness)).join(' ')}`);
        expect(stepRunning).toBe(true);
      },
    );
  },
);
