// mini-swe-agent's `.traj.json` (1.x and 2.x): `messages` as the model saw them. A reply's commands are its parsed
// `extra.actions` (2.x, both modes), else its `bash` tool calls, else its one ```mswea_bash_command (2.x text mode)
// or ```bash (1.x) block. Results are `tool` messages (tool calls) or `user` messages rendered by its
// observation_template (`<returncode>`, `<output>`); a format error is a `user` message about a reply the file
// does not keep, so it is left out. The submit command (`echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT …`) ends the run;
// its result is the submission (2.x: an `exit` message, no result of its own; 1.x: a last `user` message). Pure.
import { ourCall } from '../trajectoryActions.ts';
import {
  TrajectoryBuilder,
  isObj,
  parseArgs,
  str,
  text,
  withExit,
  type Call,
  type Imported,
  type Obj,
} from './common.ts';

const SUBMIT_MARKER = 'COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT';
const BLOCK = /```(?:mswea_bash_command|bash)[ \t]*\n([\s\S]*?)\n```/g;
const RETURNCODE = /<returncode>(-?\d+)<\/returncode>/;

const miniCall = (command: string): Call =>
  command.includes(SUBMIT_MARKER) ? ourCall('submit', {}) : ourCall('bash', { command });

function actionsOf(m: Obj, content: string): { command: string; id?: string }[] {
  const extra = isObj(m.extra) ? m.extra : {};
  if (Array.isArray(extra.actions))
    return extra.actions
      .filter((a): a is Obj => isObj(a) && typeof a.command === 'string')
      .map((a) => ({
        command: a.command as string,
        id: typeof a.tool_call_id === 'string' ? a.tool_call_id : undefined,
      }));
  if (Array.isArray(m.tool_calls) && m.tool_calls.length)
    return (m.tool_calls as Obj[]).map((c) => ({
      command: str(parseArgs((c.function as Obj | undefined)?.arguments)?.command),
      id: str(c.id) || undefined,
    }));
  const blocks = [...content.matchAll(BLOCK)];
  return blocks.length === 1 ? [{ command: blocks[0]![1]!.trim() }] : []; // the tool takes exactly one
}

/** A result as our tool would return it: the output, `[exit code N]` when it failed. */
function observation(m: Obj): string {
  const content = text(m.content);
  const extra = isObj(m.extra) ? m.extra : {};
  const rc = RETURNCODE.exec(content);
  if (!rc)
    return typeof extra.raw_output === 'string' ? withExit(extra.raw_output, Number(extra.returncode ?? 0)) : content;
  const exception = /<exception>([\s\S]*?)<\/exception>/.exec(content)?.[1];
  const start = content.indexOf('<output>');
  const end = content.lastIndexOf('</output>');
  // A long output is rendered as a warning with its head and tail: keep what the model saw.
  const output =
    start >= 0 && end > start
      ? content.slice(start + '<output>'.length, end).replace(/^\n/, '')
      : content.slice(rc.index + rc[0].length).replace(/^\n/, '');
  return withExit(exception ? `${exception}\n${output}` : output, Number(rc[1]));
}

const isObservation = (m: Obj) =>
  (isObj(m.extra) && 'returncode' in m.extra) || RETURNCODE.test(text(m.content).slice(0, 2000));

export function fromMini(t: Obj, source: string): Imported {
  const b = new TrajectoryBuilder(source);
  const msgs = t.messages;
  if (!Array.isArray(msgs)) b.fail('messages: a mini-swe-agent .traj.json file has a messages list');
  let submitted = false;
  for (const m of msgs as Obj[]) {
    const content = text(m.content);
    const extra = isObj(m.extra) ? m.extra : {};
    if (m.role === 'assistant') {
      const actions = actionsOf(m, content);
      const said = content.replace(BLOCK, '').trim();
      submitted = actions.some((a) => a.command.includes(SUBMIT_MARKER));
      if (actions.length)
        b.call(
          said,
          actions.map((a) => miniCall(a.command)),
          actions.map((a) => a.id),
        );
      else b.add('assistant', content);
    } else if (m.role === 'tool') b.observe(observation(m), str(m.tool_call_id), true);
    else if (m.role === 'user' && extra.interrupt_type === 'FormatError') continue;
    // 1.x ends with the submission as a user message: the submit's result
    else if (m.role === 'user' && b.pending && (isObservation(m) || submitted)) b.observe(observation(m));
    else if (m.role === 'system' || m.role === 'user') b.add(m.role, content);
    // `exit` (the run's end; its submission is info.submission)
  }
  const info = isObj(t.info) ? t.info : {};
  return b.done(str(info.submission) || null, str(info.exit_status) || null, 'mini-swe-agent');
}
