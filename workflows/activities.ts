// Activity proxies with the options each kind of work needs. Orchestrator activities run on the workflow's own
// task queue (so a test worker on any queue serves them); rollouts and training go to their role's queue.
import type { GpuActivities } from '../contracts/gpu.ts';
import type { PipelineActivities } from '../contracts/pipeline.ts';
import type { RolloutActivities } from '../contracts/rollout.ts';
import type { ScoringActivities } from '../contracts/scoring.ts';
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import { TASK_QUEUES } from '../core/constants.ts';
import { NON_RETRYABLE } from '../core/errors.ts';
import { rolloutHeartbeatTimeoutSec } from '../core/heartbeat.ts';
import type { RunConfig } from '../config/schema.ts';

export const pipeline = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 5, initialInterval: '1s', nonRetryableErrorTypes: NON_RETRYABLE },
});

/** Verifier datasets, candidate scoring and the report: orchestrator work that may take a while. */
export const scoring = proxyActivities<ScoringActivities>({
  startToCloseTimeout: '2 hours',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
});

/**
 * The rollout owns a container: it heartbeats every `sandbox.heartbeatSec` from a timer, so the heartbeat timeout
 * is a few missed beats (core/heartbeat.ts) and a dead worker's rollout moves on within seconds; the retry resumes
 * in the same container. Cancellation waits until the activity has removed its container.
 */
export function rolloutActivities(cfg: Pick<RunConfig, 'agent' | 'sandbox'>) {
  return proxyActivities<RolloutActivities>({
    taskQueue: TASK_QUEUES.rollout,
    startToCloseTimeout: `${cfg.agent.wallTimeSec + cfg.sandbox.testTimeoutSec + 300}s`,
    heartbeatTimeout: `${rolloutHeartbeatTimeoutSec(cfg.sandbox.heartbeatSec)}s`,
    retry: {
      maximumAttempts: cfg.sandbox.infraMaxAttempts,
      initialInterval: '2s',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
}

/**
 * Training owns a trainer process: long timeouts, heartbeats with the last checkpoint, killed on cancellation. The
 * heartbeat timeout (training.heartbeatTimeoutSec, 5 minutes by default) is how long a dead gpu worker's job waits.
 */
// Configs in histories from before `training` existed have none: they keep the 5 minutes they ran with.
export function trainingActivities(cfg: { training?: { heartbeatTimeoutSec?: number } }) {
  return proxyActivities<
    Pick<GpuActivities, 'makeTinyModel' | 'trainSft' | 'grpoStep' | 'trainVerifier' | 'exportOnnx'>
  >({
    taskQueue: TASK_QUEUES.gpu,
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: `${cfg.training?.heartbeatTimeoutSec ?? 300}s`,
    retry: { maximumAttempts: 3, initialInterval: '10s', nonRetryableErrorTypes: NON_RETRYABLE },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
}

export const policyServers = proxyActivities<Pick<GpuActivities, 'ensurePolicyServer' | 'stopPolicyServer'>>({
  taskQueue: TASK_QUEUES.gpu,
  startToCloseTimeout: '15 minutes',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});
