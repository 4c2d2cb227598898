// The sampler's token ids and log-probs from a chat completion (docs/training.md, "Policy serving contract"):
// OpenAI-format `choices[0].logprobs.content[] {token, logprob}` plus `choices[0].token_ids`, as vLLM returns with
// `return_token_ids`. Both or nothing: log-probs without ids cannot be lined up with what the trainer trains on.
import type { SampledTokens } from '../../contracts/rollout.ts';

export const SAMPLED_TOKENS_REQUEST = { logprobs: true, return_token_ids: true } as const;

export function sampledTokens(choice: unknown): SampledTokens | undefined {
  const c = choice as { token_ids?: unknown; logprobs?: { content?: unknown } | null };
  const ids = c.token_ids;
  const content = c.logprobs?.content;
  if (!Array.isArray(ids) || !Array.isArray(content) || ids.length !== content.length || ids.length === 0)
    return undefined;
  if (!ids.every((t) => Number.isInteger(t) && t >= 0)) return undefined;
  const logprobs = content.map((e: { logprob?: unknown }) => e?.logprob);
  if (!logprobs.every((x): x is number => typeof x === 'number' && x <= 0 && Number.isFinite(x))) return undefined;
  return { tokenIds: ids as number[], logprobs };
}
