// Stored trajectories to and from the trajectory files of SWE-agent (`<id>.traj`: history + trajectory steps with
// their `query` + info.submission), OpenHands (a JSON list of V0 action / observation events, as its
// event_from_dict reads them) and mini-swe-agent 2.x (`<id>.traj.json`: `bash` tool calls with their parsed
// actions, `tool` results, an `exit` message; trajectory_format mini-swe-agent-1.1). An imported file
// becomes a trajectory in our shape (native tool calls to our four tools), so the filter stage can use it as an
// SFT candidate. Pure. docs/export.md lists what each mapping keeps and loses.
import type { TrajectoryMessage } from '../contracts.ts';
import { parseTextToolCalls } from '../../core/toolCalls.ts';
import { toolFormatOf } from './sftFormats.ts';
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
      model_stats: { api_calls: steps.length },
      swe_agent_version: 'swe-forge export',
    },
    // A JSON string, as SWE-agent writes its run config (SWE-smith reads agent.model.name from it).
    replay_config: JSON.stringify({ agent: { model: { name: info.model } } }),
    environment: 'swe-forge',
  };
}

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
function miniSweAgent(messages: TrajectoryMessage[], info: TrajectoryInfo): Obj {
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

// OpenHands' names for our tools: search and bash both run a shell command there.
const openHandsName = (c: ToolCall) =>
  c.function.name === 'submit' ? 'finish' : c.function.name === 'file_editor' ? 'str_replace_editor' : 'execute_bash';

function openHandsAction(c: ToolCall, thought: string): Obj {
  const a = argsOf(c);
  if (c.function.name === 'submit') return { action: 'finish', args: { final_thought: thought, outputs: {}, thought } };
  if (c.function.name === 'file_editor' && a.command === 'view')
    return {
      action: 'read',
      args: { path: a.path, view_range: a.view_range ?? null, thought, impl_source: 'oh_aci' },
    };
  if (c.function.name === 'file_editor') return { action: 'edit', args: { ...a, thought, impl_source: 'oh_aci' } };
  return { action: 'run', args: { command: asShell(c), thought, is_input: false, blocking: false } };
}

/** What OpenHands keeps of the LLM reply on each event it made (`tool_call_metadata`, read back as ToolCallMetadata):
 *  the reply as a litellm ModelResponse with all its calls, and how many calls it had. */
function openHandsCallMeta(m: TrajectoryMessage, model: string, turn: number): Map<string, Obj> {
  const calls = m.tool_calls ?? [];
  const usage = (m.meta as { usage?: { prompt?: number; completion?: number } } | undefined)?.usage;
  const response = {
    id: `swe-forge-${turn}`,
    created: 0,
    model,
    object: 'chat.completion',
    choices: [
      {
        index: 0,
        finish_reason: 'tool_calls',
        message: {
          role: 'assistant',
          content: m.content,
          tool_calls: calls.map((c, i) => ({
            index: i,
            id: c.id,
            type: 'function',
            function: { name: openHandsName(c), arguments: JSON.stringify(argsOf(c)) },
          })),
        },
      },
    ],
    usage: {
      prompt_tokens: usage?.prompt ?? 0,
      completion_tokens: usage?.completion ?? 0,
      total_tokens: (usage?.prompt ?? 0) + (usage?.completion ?? 0),
    },
  };
  return new Map(
    calls.map((c) => [
      c.id,
      {
        function_name: openHandsName(c),
        tool_call_id: c.id,
        model_response: response,
        total_calls_in_response: calls.length,
      },
    ]),
  );
}

/** The extras each observation class of OpenHands is built from (its `observation_from_dict`). */
function openHandsExtras(action: string, args: Obj, exitCode: number): Obj {
  if (action === 'run') return { command: args.command, metadata: { exit_code: exitCode }, hidden: false };
  if (action === 'read') return { path: args.path, impl_source: 'oh_aci' };
  return { path: args.path, prev_exist: true, old_content: null, new_content: null, impl_source: 'oh_aci' };
}

function openHands(messages: TrajectoryMessage[], info: TrajectoryInfo): Obj[] {
  const events: Obj[] = [];
  const ids = new Map<string, { id: number; action: string; args: Obj; meta: Obj | undefined }>();
  const push = (e: Obj) => events.push({ id: events.length, timestamp: new Date(0).toISOString(), ...e });
  let turn = 0;
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
    else if (m.role === 'assistant') {
      const meta = openHandsCallMeta(m, info.model, ++turn);
      m.tool_calls!.forEach((c, i) => {
        const e = openHandsAction(c, i === 0 ? m.content : '');
        const args = e.args as Obj;
        if (e.action === 'finish') args.outputs = { git_patch: info.patch ?? '' };
        ids.set(c.id, { id: events.length, action: String(e.action), args, meta: meta.get(c.id) });
        push({ source: 'agent', message: String(e.action), ...e, tool_call_metadata: meta.get(c.id) });
      });
    } else if (m.role === 'tool') {
      const cause = ids.get(m.tool_call_id ?? '');
      if (!cause || cause.action === 'finish') continue; // finish has no observation; the patch rode in its args
      const { output, exitCode } = splitExit(m.content);
      push({
        source: 'agent',
        observation: cause.action,
        cause: cause.id,
        content: cause.action === 'run' ? output : m.content,
        message: m.content.slice(0, 80),
        extras: openHandsExtras(cause.action, cause.args, exitCode),
        tool_call_metadata: cause.meta,
      });
    }
  }
  return events;
}

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

/** File name each tool uses for one instance's trajectory. */
export const trajectoryFileName = (id: string, format: TrajectoryFormat) =>
  format === 'swe-agent' ? `${id}.traj` : format === 'mini-swe-agent' ? `${id}.traj.json` : `${id}.openhands.json`;

export { importTrajectory } from './trajectoryImport.ts';
export type { Args };
