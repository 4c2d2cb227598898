// sandbox.diskBudgetGb in the RL loop (issue 17): before each iteration's rollouts, the rollout queue makes room
// for the batch's task images (least recently used first, never this batch's), builds the missing ones and
// prefetches the next iteration's. A batch that cannot fit fails the stage before its first rollout. The field
// did not exist before this code, so older histories never reach it (no patch marker needed).
import type { RolloutActivities } from '../../contracts/rollout.ts';
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { RunConfig } from '../../config/schema.ts';
import { TASK_QUEUES } from '../../core/constants.ts';
import { NON_RETRYABLE } from '../../core/errors.ts';

const images = proxyActivities<Pick<RolloutActivities, 'prepareTaskImages'>>({
  taskQueue: TASK_QUEUES.rollout,
  // Builds of a whole batch: long, but each beats while it builds.
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '10 minutes',
  retry: { maximumAttempts: 3, initialInterval: '5s', nonRetryableErrorTypes: NON_RETRYABLE },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

export async function prepareImages(
  runId: string,
  budgetGb: number | undefined,
  now: string[],
  next: string[],
  scope: string[],
): Promise<void> {
  if (budgetGb === undefined) return;
  await images.prepareTaskImages.executeWithOptions({ summary: `task images under ${budgetGb} GB` }, [
    { runId, budgetGb, now, next, scope },
  ]);
}

/**
 * At pipeline start: refuse a run whose RL batch (stages.rl.batchTasks images, each at the largest of the run's
 * images the engine has) cannot fit the budget, before any stage runs.
 */
export async function checkDiskBudget(
  runId: string,
  config: Pick<RunConfig, 'sandbox' | 'tasks'> & { stages: Pick<RunConfig['stages'], 'rl'> },
): Promise<void> {
  const budgetGb = config.sandbox.diskBudgetGb;
  if (budgetGb === undefined || !config.stages.rl.enabled) return;
  await images.prepareTaskImages.executeWithOptions({ summary: `disk budget check (${budgetGb} GB)` }, [
    { runId, budgetGb, now: [], next: [], scope: config.tasks.train ?? [], batchOf: config.stages.rl.batchTasks },
  ]);
}
