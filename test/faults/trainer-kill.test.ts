// Scenario 4: the trainer process is killed with SIGKILL in the middle of the SFT stage (after its first
// checkpoint). The gpu activity fails as TrainerKilled, Temporal retries it, and the second attempt resumes from
// the saved step instead of step 0; the run completes with the full number of steps.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stageWorkflowId } from '../../core/constants.ts';
import { printFaultTable, scenario } from './lib/results.ts';
import { faultConfig, outcome } from '../../dev/faultRun.ts';
import { startFaultStack, type FaultStack } from '../../dev/faultStack.ts';
import { until } from '../../dev/wait.ts';

const RUN = 'faults-trainer-kill';
const STEPS = 40;
const SAVE_EVERY = 4;
// Easy tasks (scripted_success_p 0.8): the scripted teacher solves most, so the SFT set is not empty.
const TRAIN = ['mini__intervals-2', 'mini__semverx-4', 'mini__textkit-3', 'mini__textkit-7'];
let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack('trainer-kill');
  await stack.importTasks();
}, 600_000);
afterAll(async () => {
  await stack?.stop();
  printFaultTable();
});

/** The pid of the trainer running this config file (python -m swe_forge_trainer sft --config <file>). */
function trainerPid(configFile: string): number | undefined {
  for (const d of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(join('/proc', d, 'cmdline'), 'utf8').split('\0');
      if (argv.includes('swe_forge_trainer') && argv.includes(configFile)) return Number(d);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

it('resumes SFT from the last checkpoint after the trainer is killed', { timeout: 600_000 }, async () => {
  await scenario(
    '4. kill -9 the trainer mid-SFT',
    'activity fails as TrainerKilled, is retried, and attempt 2 resumes from the saved step (not 0); the run completes',
    'trainer-kill.test.ts',
    async ({ saw }) => {
      await stack.startWorker('orchestrator');
      await stack.startWorker('rollout');
      await stack.startWorker('gpu');
      const config = faultConfig('trainer-kill', ['distill', 'filter', 'sft'], {
        agent: { maxTurns: 12 },
        tasks: { train: TRAIN },
        stages: {
          distill: { samplesPerTask: 2 },
          sft: { steps: STEPS, saveEvery: SAVE_EVERY, batchSize: 2, maxSeqLen: 4096 },
        },
      });
      const handle = await stack.startRun(RUN, config);
      const pool = stack.base.pool!;
      const configFile = join(stack.artifactsDir, 'runs', RUN, 'sft', 'sft.config.json');
      const saved = await until(
        'the first SFT checkpoint row',
        async () => {
          const { rows } = await pool.query<{ step: number }>(
            "select step from checkpoints where run_id = $1 and stage = 'sft' order by step desc limit 1",
            [RUN],
          );
          if (rows[0]) return rows[0].step;
          // A run that ended before any checkpoint (bad SFT data, say) fails the wait now, with its error.
          const { status } = await handle.describe();
          if (status.name !== 'RUNNING')
            throw new Error(
              `the run ended (${status.name}) before an SFT checkpoint: ${JSON.stringify(await outcome(handle))}`,
            );
          return undefined;
        },
        420_000,
        500,
      );
      const pid = await until('the trainer process', () => trainerPid(configFile), 10_000, 50);
      process.kill(pid, 'SIGKILL');
      saw(`trainer pid ${pid} killed after its step-${saved} checkpoint`);
      const done = await outcome(handle);
      expect(done, JSON.stringify(done)).toMatchObject({ ok: true });
      const { rows } = await pool.query<{ step: number; metrics: Record<string, number> }>(
        "select step, metrics from checkpoints where run_id = $1 and stage = 'sft' order by step desc limit 1",
        [RUN],
      );
      const resumedFrom = rows[0]?.metrics.resumed_from_step;
      saw(`final checkpoint step ${rows[0]?.step}, trainer reported resumed_from_step ${resumedFrom}`);
      expect(rows[0]?.step).toBe(STEPS);
      expect(resumedFrom).toBeGreaterThanOrEqual(saved);
      expect(resumedFrom).toBeGreaterThan(0);
      // The retry is Temporal's: attempt 2 of trainSft started after a TrainerKilled failure.
      const history = await stack.client.workflow.getHandle(stageWorkflowId(RUN, 'sft')).fetchHistory();
      const started = history.events!.filter((e) => e.activityTaskStartedEventAttributes);
      const retry = started.map((e) => e.activityTaskStartedEventAttributes!).find((a) => (a.attempt ?? 1) > 1);
      saw(`trainSft attempt ${retry?.attempt} after ${retry?.lastFailure?.applicationFailureInfo?.type}`);
      expect(retry?.attempt).toBe(2);
      expect(retry?.lastFailure?.applicationFailureInfo?.type).toBe('TrainerKilled');
    },
  );
});
