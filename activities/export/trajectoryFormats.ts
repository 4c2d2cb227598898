// Stored trajectories to and from the trajectory files of SWE-agent (`<id>.traj`: history + trajectory steps +
// info.submission), OpenHands (a JSON list of action / observation events) and mini-swe-agent (`<id>.traj.json`:
// messages with one bash block per reply, observations as <returncode>/<output> user turns). An imported file
// becomes a trajectory in our shape (native tool calls to our four tools), so the filter stage can use it as an
// SFT candidate. Pure. docs/export.md lists what each mapping keeps and loses.
import type { TrajectoryMessage } from '../contracts.ts';
import {
  argsOf,
  asShell,
  asSweAgentCall,
  splitExit,
  sweAgentAction,
  type Args,
  type ToolCall,
} from './trajectoryActions.ts';

export const TRAJECTORY_FORMATS = ['swe-agent', 'openhands', 'mini-swe-agent'] as const;
export type TrajectoryFormat = (typeof TRAJECTORY_FORMATS)[number];

export interface TrajectoryInfo {
  instanceId: string;
  model: string;
  patch: string | null;
  exitStatus: string;
}

type Obj = Record<string, unknown>;
const resultOf = (messages: TrajectoryMessage[], id: string) =>
  messages.find((m) => m.role === 'tool' && m.tool_call_id === id)?.content ?? '';

function sweAgent(messages: TrajectoryMessage[], info: TrajectoryInfo): Obj {
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
        query: [],
      });
  }
  return {
    trajectory: steps,
    history,
    info: {
      submission: info.patch ?? '',
      exit_status: info.exitStatus,
      model_stats: { api_calls: steps.length },
      swe_agent_version: 'swe-forge export',
    },
    replay_config: null,
    environment: 'swe-forge',
  };
}

function miniSweAgent(messages: TrajectoryMessage[], info: TrajectoryInfo): Obj {
  const out: Obj[] = [];
  for (const m of messages) {
    if (m.role === 'system' || m.role === 'user') out.push({ role: m.role, content: m.content });
    else if (m.role === 'assistant') {
      const calls = m.tool_calls ?? [];
      if (!calls.length) out.push({ role: 'assistant', content: m.content });
      // One bash block per reply (mini-swe-agent's rule): a turn with several calls becomes several replies.
      calls.forEach((c, i) => {
        const thought = i === 0 && m.content ? `${m.content}\n\n` : '';
        out.push({ role: 'assistant', content: `${thought}\`\`\`bash\n${asShell(c)}\n\`\`\`` });
        const { output, exitCode } = splitExit(resultOf(messages, c.id));
        out.push({ role: 'user', content: `<returncode>${exitCode}</returncode>\n<output>\n${output}\n</output>` });
      });
    }
  }
  return {
    info: {
      exit_status: info.exitStatus,
      submission: info.patch ?? '',
      model_stats: { api_calls: out.filter((m) => m.role === 'assistant').length },
      mini_version: 'swe-forge export',
    },
    messages: out,
    trajectory_format: 'mini-swe-agent-1',
  };
}

function openHandsAction(c: ToolCall, thought: string): Obj {
  const a = argsOf(c);
  const meta = {
    function_name: c.function.name === 'bash' ? 'execute_bash' : 'str_replace_editor',
    tool_call_id: c.id,
  };
  if (c.function.name === 'submit') return { action: 'finish', args: { final_thought: thought, outputs: {} } };
  if (c.function.name === 'file_editor' && a.command === 'view')
    return {
      action: 'read',
      args: { path: a.path, view_range: a.view_range ?? null, thought, impl_source: 'oh_aci' },
      tool_call_metadata: meta,
    };
  if (c.function.name === 'file_editor')
    return { action: 'edit', args: { ...a, thought, impl_source: 'oh_aci' }, tool_call_metadata: meta };
  return {
    action: 'run',
    args: { command: asShell(c), thought, is_input: false, blocking: false },
    tool_call_metadata: meta,
  };
}

function openHands(messages: TrajectoryMessage[], info: TrajectoryInfo): Obj[] {
  const events: Obj[] = [];
  const ids = new Map<string, { id: number; action: string; command?: unknown }>();
  const push = (e: Obj) => events.push({ id: events.length, timestamp: new Date(0).toISOString(), ...e });
  for (const m of messages) {
    if (m.role === 'system')
      push({ source: 'agent', action: 'system', message: m.content, args: { content: m.content } });
    else if (m.role === 'user')
      push({
        source: 'user',
        action: 'message',
        message: m.content,
        args: { content: m.content, wait_for_response: false },
      });
    else if (m.role === 'assistant' && !m.tool_calls?.length)
      push({
        source: 'agent',
        action: 'message',
        message: m.content,
        args: { content: m.content, wait_for_response: true },
      });
    else if (m.role === 'assistant')
      m.tool_calls!.forEach((c, i) => {
        const e = openHandsAction(c, i === 0 ? m.content : '');
        if (e.action === 'finish') (e.args as Obj).outputs = { git_patch: info.patch ?? '' };
        ids.set(c.id, { id: events.length, action: String(e.action), command: (e.args as Obj).command });
        push({ source: 'agent', message: String(e.action), ...e });
      });
    else if (m.role === 'tool') {
      const cause = ids.get(m.tool_call_id ?? '');
      if (!cause || cause.action === 'finish') continue; // finish has no observation; the patch rode in its args
      const { output, exitCode } = splitExit(m.content);
      push({
        source: 'agent',
        observation: cause.action,
        cause: cause.id,
        content: cause.action === 'run' ? output : m.content,
        message: m.content.slice(0, 80),
        extras: cause.action === 'run' ? { command: cause.command, metadata: { exit_code: exitCode } } : {},
        tool_call_metadata: { tool_call_id: m.tool_call_id },
      });
    }
  }
  return events;
}

export function exportTrajectory(
  messages: TrajectoryMessage[],
  info: TrajectoryInfo,
  format: TrajectoryFormat,
): unknown {
  if (format === 'swe-agent') return sweAgent(messages, info);
  if (format === 'mini-swe-agent') return miniSweAgent(messages, info);
  return openHands(messages, info);
}

/** File name each tool uses for one instance's trajectory. */
export const trajectoryFileName = (id: string, format: TrajectoryFormat) =>
  format === 'swe-agent' ? `${id}.traj` : format === 'mini-swe-agent' ? `${id}.traj.json` : `${id}.openhands.json`;

export { importTrajectory } from './trajectoryImport.ts';
export type { Args };
