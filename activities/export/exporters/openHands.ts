// OpenHands' (V0) event list: actions `run` / `read` / `edit` / `finish` / `message` and their observations, each
// with the fields its `event_from_dict` builds the event classes from. Pure.
import type { TrajectoryMessage } from '../../../contracts/rollout.ts';
import type { TrajectoryInfo } from '../formats.ts';
import { argsOf, asShell, splitExit, type ToolCall } from '../trajectoryActions.ts';

type Obj = Record<string, unknown>;

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

export function openHands(messages: TrajectoryMessage[], info: TrajectoryInfo): Obj[] {
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
