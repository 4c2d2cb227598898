// A GRPO batch row's conversation exactly as the policy endpoint received it: the trajectory through the same
// toWireMessages the rollout sent (a text-format policy sees observations as <tool_response> user turns), the tool
// specs a native-format policy got, and each assistant turn's sampled token ids and log-probs (meta.sampled), so
// the trainer renders the rollout's prompt and trains on the sampler's tokens (docs/training.md, prompt parity).
import type { ModelEndpoint } from '../../config/schema.ts';
import type { TrajectoryMessage } from '../../contracts/rollout.ts';
import { TOOL_SPECS } from '../trajectory/toolSpecs.ts';
import { toWireMessages } from '../trajectory/wire.ts';

export interface GrpoConversation {
  messages: Record<string, unknown>[];
  tools?: unknown[];
}

export function grpoConversation(
  trajectory: TrajectoryMessage[],
  toolFormat: ModelEndpoint['toolFormat'],
): GrpoConversation {
  const wire = toWireMessages(trajectory, toolFormat);
  const messages = wire.map((w, i): Record<string, unknown> => {
    const sampled = trajectory[i]?.role === 'assistant' ? trajectory[i]?.meta?.sampled : undefined;
    return sampled ? { ...w, meta: { sampled } } : { ...w };
  });
  return toolFormat === 'native' ? { messages, tools: [...TOOL_SPECS] } : { messages };
}
