// A one-activity workflow for the rollout infra tests: the real proxy options of the pipeline's rollouts
// (retry up to sandbox.infraMaxAttempts, heartbeat timeout, wait for cancellation), nothing else.
import type { RolloutInput, RolloutSummary } from '../../../contracts/rollout.ts';
import { rolloutActivities } from '../../../workflows/activities.ts';

export async function rolloutOnceWorkflow(input: RolloutInput): Promise<RolloutSummary> {
  return rolloutActivities(input).runRollout(input);
}
