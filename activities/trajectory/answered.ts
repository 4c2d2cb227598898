// Which models answered a trajectory, as the serving engine named them in its replies (each assistant turn's
// meta.model), in order, without repeats: a rollout's provenance (activities/agent/provenance.ts) and a GRPO
// member's staleness (activities/pipeline/staleness.ts) both read it.
import type { TrajectoryMessage } from '../../contracts/rollout.ts';

export function answeringModels(messages: readonly TrajectoryMessage[]): string[] {
  const seen: string[] = [];
  for (const m of messages) {
    // A summary another endpoint wrote (agent.context.summarizer) is not the policy answering.
    const name = m.role === 'assistant' && !m.meta?.summarizer ? m.meta?.model : undefined;
    if (name && !seen.includes(name)) seen.push(name);
  }
  return seen;
}
