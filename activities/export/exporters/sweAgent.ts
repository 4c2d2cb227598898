// SWE-agent's `<id>.traj`: `history` (tool calls of SWE-agent's own tools), one `trajectory` step per action with the
// `query` the model was given for it (SWE-agent >= 1.1), `info.submission`, `replay_config`. Pure.
import type { TrajectoryMessage } from '../../../contracts/rollout.ts';
import type { TrajectoryInfo } from '../formats.ts';
import { asSweAgentCall, sweAgentAction } from '../trajectoryActions.ts';

type Obj = Record<string, unknown>;
const resultOf = (messages: TrajectoryMessage[], id: string) =>
  messages.find((m) => m.role === 'tool' && m.tool_call_id === id)?.content ?? '';

/** The token counts the agent loop recorded per reply (meta.usage), summed as SWE-agent's model_stats has them. */
function tokens(messages: TrajectoryMessage[]): { tokens_sent: number; tokens_received: number } {
  const usage = messages.map(
    (m) => (m.meta as { usage?: { prompt?: number; completion?: number } } | undefined)?.usage,
  );
  return {
    tokens_sent: usage.reduce((n, u) => n + (u?.prompt ?? 0), 0),
    tokens_received: usage.reduce((n, u) => n + (u?.completion ?? 0), 0),
  };
}

export function sweAgent(messages: TrajectoryMessage[], info: TrajectoryInfo): Obj {
  const history: Obj[] = [];
  const steps: Obj[] = [];
  for (const m of messages) {
    if (m.role === 'tool') {
      history.push({
        role: 'tool',
        content: m.content,
        agent: 'main',
        message_type: 'observation',
        tool_call_ids: [m.tool_call_id],
      });
      continue;
    }
    if (m.role !== 'assistant') {
      history.push({
        role: m.role,
        content: m.content,
        agent: 'main',
        message_type: m.role === 'system' ? 'system_prompt' : 'observation',
      });
      continue;
    }
    const calls = m.tool_calls ?? [];
    // SWE-agent (>= 1.1) records with each step the messages the model was given for it (`query`); SWE-smith's
    // traj -> SFT conversion reads the last step's.
    const query = history.map((h) => ({ ...h }));
    history.push({
      role: 'assistant',
      content: m.content,
      thought: m.content,
      action: calls.map(sweAgentAction).join('\n'),
      agent: 'main',
      message_type: 'action',
      tool_calls: calls.map((c) => {
        const { name, args } = asSweAgentCall(c);
        return { id: c.id, type: 'function', function: { name, arguments: JSON.stringify(args) } };
      }),
    });
    for (const c of calls)
      steps.push({
        action: sweAgentAction(c),
        observation: resultOf(messages, c.id),
        response: m.content,
        thought: m.content,
        execution_time: 0,
        state: {},
        query,
        extra_info: {},
      });
  }
  return {
    trajectory: steps,
    history,
    info: {
      submission: info.patch ?? '',
      exit_status: info.exitStatus,
      model_stats: {
        instance_cost: 0,
        ...tokens(messages),
        api_calls: messages.filter((m) => m.role === 'assistant').length,
      },
      swe_agent_version: 'swe-forge export',
    },
    // A JSON string, as SWE-agent writes its run config (SWE-smith reads agent.model.name from it).
    replay_config: JSON.stringify({ agent: { model: { name: info.model } } }),
    environment: 'swe-forge',
  };
}
