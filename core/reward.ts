// Reward shaping (SWE-Master): resolved -> 1; a forced submission that resolves -> alpha; anything else -> 0;
// an infrastructure failure or a model endpoint that stays down -> masked (null), so a broken container or an
// outage is never scored as a model failure.
// The unions mirror contracts/rollout.ts (core imports nothing outside core); TypeScript checks they agree
// where the rollout activity passes its values in.

export type RewardOutcome = 'resolved' | 'unresolved' | 'patch_failed' | 'infra_error';
export type RewardExitReason = 'submitted' | 'max_turns' | 'context_limit' | 'timeout' | 'model_error' | 'infra_error';

export interface RewardInput {
  exitReason: RewardExitReason;
  /** True when the answer is the working-tree diff taken at truncation (max turns, context limit, timeout). */
  forced: boolean;
  /** Evaluation outcome, or null when nothing was evaluated (e.g. a model error ended the trajectory). */
  outcome: RewardOutcome | null;
  alpha: number;
  /** The model endpoint stayed down past its retries: an outage, not the model's failure (masked). */
  unavailable?: boolean;
}

export interface ShapedReward {
  /** null exactly when masked. */
  reward: number | null;
  masked: boolean;
  maskReason?: string;
}

/** Exit reasons after which the diff is force-submitted: the run was cut short, not abandoned. */
export const TRUNCATION_EXITS: readonly RewardExitReason[] = ['max_turns', 'context_limit', 'timeout'];

export function isTruncation(exitReason: RewardExitReason): boolean {
  return TRUNCATION_EXITS.includes(exitReason);
}

export function shapeReward(input: RewardInput): ShapedReward {
  const { exitReason, forced, outcome, alpha } = input;
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be in [0, 1] (received ${alpha})`);
  if (exitReason === 'infra_error') return { reward: null, masked: true, maskReason: 'infra_error during the rollout' };
  if (input.unavailable) return { reward: null, masked: true, maskReason: 'policy_unavailable' };
  if (outcome === 'infra_error') return { reward: null, masked: true, maskReason: 'infra_error during evaluation' };
  if (outcome !== 'resolved') return { reward: 0, masked: false };
  return { reward: forced ? alpha : 1, masked: false };
}
