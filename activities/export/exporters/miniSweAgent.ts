// mini-swe-agent 2.x's `<id>.traj.json` (trajectory_format mini-swe-agent-1.1), tool-call mode. Pure.
import type { TrajectoryMessage } from '../../../contracts/rollout.ts';
import type { TrajectoryInfo } from '../formats.ts';
import { asShell, splitExit } from '../trajectoryActions.ts';

type Obj = Record<string, unknown>;

/** Our exit reasons as mini-swe-agent names the same ends (its exception classes). */
const MINI_EXIT: Record<string, string> = {
  submitted: 'Submitted',
  max_turns: 'LimitsExceeded',
  timeout: 'TimeExceeded',
};

/** mini-swe-agent's observation as its SWE-bench config renders one (observation_template, output under 10k). */
const miniObservation = (output: string, returncode: number) =>
  `<returncode>${returncode}</returncode>\n<output>\n${output}</output>`;

// mini-swe-agent 2.x, tool-call mode (its default): each reply calls its one tool, `bash`, and keeps the parsed
// commands in `extra.actions`; each result is a `tool` message; the run ends with an `exit` message. The submit
// command's output is the submission, so it has no tool message (mini-swe-agent stops there).
export function miniSweAgent(messages: TrajectoryMessage[], info: TrajectoryInfo): Obj {
  const out: Obj[] = [];
  let calls = 0;
  for (const m of messages) {
    if (m.role === 'system' || m.role === 'user') out.push({ role: m.role, content: m.content });
    else if (m.role === 'assistant') {
      const commands = (m.tool_calls ?? []).map((c) => ({ command: asShell(c), tool_call_id: c.id }));
      calls++;
      out.push({
        role: 'assistant',
        content: m.content,
        ...(commands.length
          ? {
              tool_calls: commands.map((a) => ({
                id: a.tool_call_id,
                type: 'function',
                function: { name: 'bash', arguments: JSON.stringify({ command: a.command }) },
              })),
            }
          : {}),
        extra: { actions: commands, cost: 0 },
      });
    } else if (m.role === 'tool') {
      const call = messages.flatMap((x) => x.tool_calls ?? []).find((c) => c.id === m.tool_call_id);
      if (call?.function.name === 'submit') continue;
      const { output, exitCode } = splitExit(m.content);
      out.push({
        role: 'tool',
        tool_call_id: m.tool_call_id,
        content: miniObservation(output, exitCode),
        extra: { raw_output: output, returncode: exitCode, exception_info: '' },
      });
    }
  }
  const exitStatus = MINI_EXIT[info.exitStatus] ?? info.exitStatus;
  const submission = info.patch ?? '';
  out.push({ role: 'exit', content: submission || exitStatus, extra: { exit_status: exitStatus, submission } });
  return {
    info: {
      model_stats: { instance_cost: 0, api_calls: calls },
      config: { model: { model_name: info.model }, agent_type: 'swe-forge export' },
      mini_version: 'swe-forge export',
      exit_status: exitStatus,
      submission,
    },
    messages: out,
    instance_id: info.instanceId, // what its SWE-bench batch runner adds
    trajectory_format: 'mini-swe-agent-1.1',
  };
}
