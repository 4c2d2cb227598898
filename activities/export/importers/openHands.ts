// OpenHands' events (a conversation's trajectory, or the `history` of one line of an evaluation's output.jsonl).
// An action the LLM called carries `tool_call_metadata`: its reply as a litellm ModelResponse, whose tool call of
// that id has the call's own name and arguments (`execute_bash`, `str_replace_editor`, `think`, `finish`,
// `execute_ipython_cell`); several calls of one reply are one event each and become one reply again. Events
// without it (older files, ours) are read by their action (`run`, `read`, `edit`, `finish`). An observation
// answers the action its `cause` names; `think` is text of the reply, not a call; events the LLM did not make
// (`recall`, agent state changes) are left out; a call of a tool we have no counterpart for fails the import.
// Pure.
import type { TrajectoryMessage } from '../../../contracts/rollout.ts';
import { ourCall } from '../trajectoryActions.ts';
import {
  TrajectoryBuilder,
  join,
  editorCall,
  isObj,
  parseArgs,
  str,
  text,
  withExit,
  type Call,
  type Imported,
  type Obj,
} from './common.ts';

type Mapped = Call | { thought: string } | null;

const python = (code: unknown) => `python3 - <<'SWE_FORGE_EOF'\n${str(code)}\nSWE_FORGE_EOF`;

/** A call by the name and arguments the LLM gave it. */
function byToolCall(name: string, a: Obj): Mapped {
  if (name === 'execute_bash' || name === 'bash') return ourCall('bash', a);
  if (name === 'str_replace_editor') return editorCall(a);
  if (name === 'execute_ipython_cell') return ourCall('bash', { command: python(a.code) });
  if (name === 'finish') return ourCall('submit', {});
  if (name === 'think') return { thought: str(a.thought) };
  return null;
}

/** A call by the event's action and args (no tool call metadata). */
function byAction(action: string, a: Obj): Mapped {
  if (action === 'run') return ourCall('bash', { command: a.command });
  if (action === 'run_ipython') return ourCall('bash', { command: python(a.code) });
  if (action === 'read')
    return editorCall({ command: 'view', path: a.path, view_range: Array.isArray(a.view_range) ? a.view_range : null });
  if (action === 'edit' && a.command) return editorCall(a);
  if (action === 'finish') return ourCall('submit', {});
  if (action === 'think') return { thought: str(a.thought) };
  return null;
}

/** The LLM's own call behind an event: its name, arguments, reply text and reply id. */
function toolCallOf(e: Obj): { name: string; args: Obj | null; reply: string; replyId: string } | null {
  const meta = isObj(e.tool_call_metadata) ? e.tool_call_metadata : null;
  if (!meta) return null;
  const response = isObj(meta.model_response) ? meta.model_response : {};
  const message = (Array.isArray(response.choices) ? (response.choices[0] as Obj | undefined) : undefined)?.message;
  const calls = isObj(message) && Array.isArray(message.tool_calls) ? (message.tool_calls as Obj[]) : [];
  const call = calls.find((c) => c.id === meta.tool_call_id);
  const fn = call && isObj(call.function) ? call.function : null;
  return {
    name: str(fn?.name ?? meta.function_name),
    args: fn ? parseArgs(fn.arguments) : null,
    reply: isObj(message) ? text(message.content) : '',
    replyId: str(response.id),
  };
}

export function fromOpenHands(events: Obj[], patch: string | null, source: string): Imported {
  const b = new TrajectoryBuilder(source);
  let last: { replyId: string; msg: TrajectoryMessage } | null = null;
  let thought = '';
  let finished = false;
  let finishPatch: string | null = null;
  for (const e of events) {
    const args = isObj(e.args) ? e.args : {};
    const action = typeof e.action === 'string' ? e.action : null;
    if (action === 'system') b.add('system', str(args.content ?? e.message));
    else if (action === 'message') b.add(e.source === 'user' ? 'user' : 'assistant', str(args.content ?? e.message));
    else if (action) {
      const tc = toolCallOf(e);
      let mapped = tc?.args && tc.name ? byToolCall(tc.name, tc.args) : byAction(action, args);
      // A shell call whose arguments lack the command (not the LLM's own): the event's command is what ran.
      if (mapped && 'name' in mapped && mapped.name === 'bash' && !mapped.args.command)
        mapped = byAction(action, args) ?? mapped;
      if (mapped === null) {
        if (tc) b.fail(`event ${str(e.id)}: OpenHands tool '${tc.name || action}' has no counterpart among ours`);
        continue; // not the LLM's (recall, agent state, condensation)
      }
      const reply = str(args.thought) || tc?.reply || '';
      const final = str(args.final_thought ?? tc?.args?.message);
      const said = final && final !== reply ? join(reply, final) : reply;
      const sameReply = tc?.replyId && last?.replyId === tc.replyId && b.messages.includes(last.msg);
      if ('thought' in mapped) {
        // A thought is no action of ours: its text goes with the reply's calls, or with the next reply's.
        if (sameReply) last!.msg.content = join(last!.msg.content, mapped.thought);
        else thought = join(thought, said, mapped.thought);
        continue;
      }
      const theirs = [`event:${str(e.id)}`];
      if (sameReply) b.append(last!.msg, [mapped], theirs);
      else last = { replyId: tc?.replyId ?? '', msg: b.call(join(thought, said), [mapped], theirs) };
      thought = '';
      if (mapped.name === 'submit') {
        finished = true;
        finishPatch = str((args.outputs as Obj | undefined)?.git_patch) || finishPatch;
      }
    } else if (typeof e.observation === 'string' && e.cause !== undefined) {
      const extras = isObj(e.extras) ? e.extras : {};
      const code = Number((isObj(extras.metadata) ? extras.metadata.exit_code : 0) ?? 0);
      b.observe(withExit(str(e.content), Number.isFinite(code) && code > 0 ? code : 0), `event:${str(e.cause)}`, false);
    }
  }
  if (thought) b.add('assistant', thought);
  const found = patch ?? finishPatch;
  return b.done(found, finished ? 'submitted' : null, 'OpenHands');
}
