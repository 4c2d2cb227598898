// Which policy answered a rollout, as the serving engine said in its replies (the `model` field), never what the
// workflow assumed it would be. A policy server names its model after the checkpoint id it loaded, so for a
// trainer policy this is the checkpoint. Replies from more than one (a swap mid-rollout) are all named.
import type { RolloutInput, TrajectoryMessage } from '../../contracts/rollout.ts';
import { answeringModels } from '../trajectory/answered.ts';

export function answeredBy(
  messages: readonly TrajectoryMessage[],
  input: Pick<RolloutInput, 'model' | 'policyVersion'>,
) {
  const seen = answeringModels(messages);
  if (seen.length) return seen.join('+');
  // No reply at all: a trainer policy's checkpoint is unknown (no engine answered); a fixed endpoint is its name.
  return input.model.kind === 'trainer' ? undefined : input.policyVersion;
}
