// OpenHands V1 (software-agent-sdk) events: each has a `kind`. An `ActionEvent` is one call of an LLM reply
// (`tool_call`: id, name, arguments; `thought`: the reply's text on its first call; `llm_response_id` ties the calls
// of one reply); an `ObservationEvent` (or an `AgentErrorEvent`, a `UserRejectObservation`) answers the call of its
// `tool_call_id`. `terminal`, `file_editor` and `finish` are ours; `think` and `task_tracker` (a plan, no action in
// the repository) are text of the reply; any other tool fails the import. Pure.
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

const contentOf = (v: unknown) => text(Array.isArray(v) ? v : isObj(v) ? [v] : v);

function sdkCall(name: string, a: Obj): Call | { thought: string } | null {
  if (name === 'terminal' || name === 'execute_bash' || name === 'bash') return ourCall('bash', a);
  if (name === 'file_editor' || name === 'str_replace_editor') return editorCall(a);
  if (name === 'finish') return ourCall('submit', {});
  if (name === 'think') return { thought: str(a.thought) };
  if (name === 'task_tracker') return { thought: `task_tracker ${JSON.stringify(a)}` };
  return null;
}

export const isSdkEvents = (events: unknown[]) => events.some((e) => isObj(e) && typeof e.kind === 'string');

export function fromOpenHandsSdk(events: Obj[], patch: string | null, source: string): Imported {
  const b: TrajectoryBuilder = new TrajectoryBuilder(source); // typed, so that b.fail() narrows
  type Reply = { replyId: string; msg: TrajectoryMessage };
  let last: Reply | null = null;
  let thought = '';
  let finished = false;
  for (const e of events) {
    if (e.kind === 'SystemPromptEvent') b.add('system', contentOf(e.system_prompt));
    else if (e.kind === 'MessageEvent') {
      const m = isObj(e.llm_message) ? e.llm_message : {};
      b.add(m.role === 'assistant' ? 'assistant' : m.role === 'system' ? 'system' : 'user', contentOf(m.content));
    } else if (e.kind === 'ActionEvent') {
      const tc = isObj(e.tool_call) ? e.tool_call : {};
      const name = str(tc.name ?? e.tool_name);
      const args = parseArgs(tc.arguments) ?? (isObj(e.action) ? e.action : {});
      const mapped = sdkCall(name, args);
      if (!mapped) b.fail(`event ${str(e.id)}: OpenHands tool '${name}' has no counterpart among ours`);
      const replyId = str(e.llm_response_id);
      const prev = last as Reply | null; // (the loop's assignments below confuse narrowing)
      const same = replyId !== '' && prev?.replyId === replyId && b.messages.includes(prev.msg);
      const said = join(contentOf(e.thought), name === 'finish' ? str(args.message) : '');
      if ('thought' in mapped) {
        if (same) prev!.msg.content = join(prev!.msg.content, said, mapped.thought);
        else thought = join(thought, said, mapped.thought);
        continue;
      }
      const theirs = [str(tc.id ?? e.tool_call_id)];
      if (same) b.append(prev!.msg, [mapped], theirs);
      else last = { replyId, msg: b.call(join(thought, said), [mapped], theirs) };
      thought = '';
      finished ||= mapped.name === 'submit';
    } else if (e.kind === 'ObservationEvent' || e.kind === 'AgentErrorEvent' || e.kind === 'UserRejectObservation') {
      const o = isObj(e.observation) ? e.observation : {};
      const content =
        e.kind === 'ObservationEvent' ? contentOf(o.content) : str(e.error ?? e.rejection_reason ?? 'rejected');
      const code = typeof o.exit_code === 'number' && o.exit_code > 0 ? o.exit_code : 0;
      b.observe(withExit(content, code), str(e.tool_call_id), false);
    }
  }
  if (thought) b.add('assistant', thought);
  return b.done(patch, finished ? 'submitted' : null, 'OpenHands');
}
