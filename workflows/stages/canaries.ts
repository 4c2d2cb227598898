// Canaries in the RL loop (issue 17): the workflow side. A sample of the iteration's batch is re-validated on the
// rollout queue while its rollouts run; a task whose verdict flipped is quarantined (the canary activity records
// it), its rollouts of this iteration are masked as `harness_flaky` before the GRPO batch is built, and later
// batches are sampled without it.
import type { CanaryResult, RolloutActivities, SandboxConfig } from '../../contracts/rollout.ts';
import { ActivityCancellationType, isCancellation, log, proxyActivities } from '@temporalio/workflow';
import type { RunConfig } from '../../config/schema.ts';
import { TASK_QUEUES } from '../../core/constants.ts';
import { hashSeed, rlSampleRange, sampleTasks } from '../../core/sampling.ts';
import { NON_RETRYABLE } from '../../core/errors.ts';
import { pipeline } from '../activities.ts';

type RlConfig = RunConfig['stages']['rl'];

export const HARNESS_FLAKY = 'harness_flaky';

function canaryActivities(sandbox: SandboxConfig, evaluations: number) {
  // Two evaluations at a time, each bounded by the test timeout plus the harness's slack.
  const perEval = sandbox.testTimeoutSec + 120;
  return proxyActivities<Pick<RolloutActivities, 'canaryCheck'>>({
    taskQueue: TASK_QUEUES.rollout,
    startToCloseTimeout: `${Math.ceil(evaluations / 2) * perEval + 300}s`,
    heartbeatTimeout: '2 minutes',
    retry: { maximumAttempts: 3, initialInterval: '5s', nonRetryableErrorTypes: NON_RETRYABLE },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
}

/** The canary tasks of an iteration: a seeded sample of its batch (none when sample is 0 or off this iteration). */
export function canaryTasks(
  canaries: RlConfig['canaries'],
  seed: number,
  iteration: number,
  batch: string[],
): string[] {
  const n = canaries?.sample ?? 0;
  const every = canaries?.every ?? 1;
  return n > 0 && (iteration - 1) % every === 0
    ? sampleTasks(batch, Math.min(n, batch.length), hashSeed(seed, 'canary', iteration))
    : [];
}

/**
 * Runs the iteration's canaries. A canary that cannot run (its activity failed every attempt) does not stop
 * training: it is logged and the iteration goes on as it would without canaries.
 */
export async function runCanaries(
  runId: string,
  config: Pick<RunConfig, 'sandbox'> & { stages: { rl: Pick<RlConfig, 'canaries'> } },
  iteration: number,
  taskIds: string[],
): Promise<CanaryResult | null> {
  if (taskIds.length === 0) return null;
  const goldRuns = config.stages.rl.canaries?.goldRuns ?? 1;
  const { canaryCheck } = canaryActivities(config.sandbox, taskIds.length * (goldRuns + 1));
  try {
    return await canaryCheck.executeWithOptions({ summary: `canaries of rl iteration ${iteration}` }, [
      { runId, iteration, taskIds, goldRuns, sandbox: config.sandbox },
    ]);
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('rl canaries could not run; the iteration goes on without them', { iteration, error: String(err) });
    return null;
  }
}

/** Masks the rollouts of this iteration's flipped tasks (they must be in the batch: others have none). */
export async function maskFlaky(runId: string, iteration: number, groupSize: number, flipped: string[]): Promise<void> {
  if (flipped.length === 0) return;
  await pipeline.maskRollouts({
    runId,
    stage: 'rl',
    taskIds: flipped,
    samples: rlSampleRange(iteration, groupSize),
    reason: HARNESS_FLAKY,
  });
}
