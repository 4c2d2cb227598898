// A one-activity workflow for the rollout infra tests: the real proxy options of the pipeline's rollouts
// (retry up to sandbox.infraMaxAttempts, heartbeat timeout, wait for cancellation), nothing else.
import { rolloutActivities } from '../../../workflows/activities.ts';
import type { RolloutInput, RolloutSummary } from '../../../activities/contracts.ts';

export async function rolloutOnceWorkflow(input: RolloutInput): Promise<RolloutSummary> {
  return rolloutActivities(input).runRollout(input);
}
