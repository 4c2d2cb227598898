// A GRPO batch row's conversation exactly as the policy endpoint received it: the trajectory through the same
// toWireMessages the rollout sent (a text-format policy sees observations as <tool_response> user turns), the tool
// specs a native-format policy got, and each assistant turn's sampled token ids and log-probs (meta.sampled), so
// the trainer renders the rollout's prompt and trains on the sampler's tokens (docs/training.md, prompt parity),
// and its finish reason (meta.finishReason: a turn cut at `length` has no end token of the model's to train on).
import type { ModelEndpoint } from '../../config/schema.ts';
import type { TrajectoryMessage } from '../../contracts/rollout.ts';
import { toolSpecsOf } from '../trajectory/toolSpecs.ts';
import { toWireMessages } from '../trajectory/wire.ts';
import { trainingSegments } from '../../core/context.ts';

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
    const m = trajectory[i];
    if (m?.role !== 'assistant') return { ...w };
    const { sampled, finishReason } = m.meta ?? {};
    const meta = { ...(sampled ? { sampled } : {}), ...(finishReason ? { finishReason } : {}) };
    // weight 0: a reply carried into a condensed context, trained in the sequence that produced it (core/context.ts).
    return { ...w, ...(Object.keys(meta).length ? { meta } : {}), ...(m.weight === 0 ? { weight: 0 } : {}) };
  });
  return toolFormat === 'native' ? { messages, tools: toolSpecsOf(trajectory) } : { messages };
}

/** One conversation per context the policy answered in (a trajectory that never condensed is one). */
export function grpoConversations(
  trajectory: TrajectoryMessage[],
  toolFormat: ModelEndpoint['toolFormat'],
): GrpoConversation[] {
  return trainingSegments(trajectory).map((seq) => grpoConversation(seq, toolFormat));
}
