// Stored trajectories to and from the trajectory files of SWE-agent (`<id>.traj`: history + trajectory steps with
// their `query` + info.submission), OpenHands (a JSON list of V0 action / observation events, as its
// event_from_dict reads them) and mini-swe-agent 2.x (`<id>.traj.json`: `bash` tool calls with their parsed
// actions, `tool` results, an `exit` message; trajectory_format mini-swe-agent-1.1). An imported file
// becomes a trajectory in our shape (native tool calls to our four tools), so the filter stage can use it as an
// SFT candidate (trajectoryImport.ts). Pure. docs/export.md lists what each mapping keeps and loses; one file per
// tool in exporters/.
import type { TrajectoryMessage } from '../../contracts/rollout.ts';
import { parseTextToolCalls } from '../../core/toolCalls.ts';
import { toolFormatOf } from './sftFormats.ts';
import { miniSweAgent } from './exporters/miniSweAgent.ts';
import { openHands } from './exporters/openHands.ts';
import { sweAgent } from './exporters/sweAgent.ts';
import type { TrajectoryFormat, TrajectoryInfo } from './formats.ts';

/** A text-format model's calls are `<tool_call>` blocks in its reply (core/toolCalls.ts): the other tools know only
 *  structured calls, so each block becomes one, with the id its observation answers (the loop's `call_<turn>_<i>`). */
export function withStructuredCalls(messages: TrajectoryMessage[]): TrajectoryMessage[] {
  if (toolFormatOf(messages) !== 'text') return messages;
  return messages.map((m, i) => {
    if (m.role !== 'assistant' || m.tool_calls?.length) return m;
    const turn = (m.meta as { turn?: number } | undefined)?.turn ?? i;
    const { text, calls } = parseTextToolCalls(m.content, `call_${turn}`);
    if (!calls.length) return m;
    return {
      ...m,
      content: text,
      tool_calls: calls.map((c) => ({
        id: c.id,
        type: 'function' as const,
        function: { name: c.name, arguments: c.rawArguments },
      })),
    };
  });
}

export function exportTrajectory(stored: TrajectoryMessage[], info: TrajectoryInfo, format: TrajectoryFormat): unknown {
  const messages = withStructuredCalls(stored);
  if (format === 'swe-agent') return sweAgent(messages, info);
  if (format === 'mini-swe-agent') return miniSweAgent(messages, info);
  return openHands(messages, info);
}
