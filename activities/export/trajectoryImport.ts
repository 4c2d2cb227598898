// Trajectory files of SWE-agent, OpenHands and mini-swe-agent as trajectories in our shape: native tool calls to
// our four tools, observations as `tool` messages (a failing status as `[exit code N]`), and the submitted patch.
// Pure; errors name what is missing.
import { InputError } from '../../core/errors.ts';
import type { TrajectoryMessage } from '../contracts.ts';
import { SUBMIT_COMMAND, ourCall, type Args } from './trajectoryActions.ts';
import type { TrajectoryFormat } from './trajectoryFormats.ts';

export interface Imported {
  messages: TrajectoryMessage[];
  patch: string | null;
  exitStatus: string | null;
}

type Obj = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));
const withExit = (output: string, code: number) => (code ? `${output}\n[exit code ${code}]` : output);

function callMessage(content: string, turn: number, calls: { name: string; args: Args }[]): TrajectoryMessage {
  return {
    role: 'assistant',
    content,
    tool_calls: calls.map((c, i) => ({
      id: `call_${turn}_${i}`,
      type: 'function',
      function: { name: c.name, arguments: JSON.stringify(c.args) },
    })),
    meta: { turn },
  };
}

function fromSweAgent(t: Obj): Imported {
  const history = t.history as Obj[] | undefined;
  if (!Array.isArray(history)) throw new InputError('history: a SWE-agent .traj file has a history list');
  const out: TrajectoryMessage[] = [];
  let turn = 0;
  const ids = new Map<string, string>(); // their tool_call id -> ours
  for (const h of history) {
    const role = h.role;
    if (role === 'system' || role === 'user') out.push({ role, content: str(h.content) });
    else if (role === 'assistant') {
      turn++;
      const theirs = (h.tool_calls as Obj[] | undefined) ?? [];
      const calls = theirs.length
        ? theirs.map((c) => {
            const fn = c.function as Obj;
            let args: Args = {};
            try {
              args = JSON.parse(str(fn.arguments)) as Args;
            } catch {
              // keep {}
            }
            return ourCall(str(fn.name), args);
          })
        : h.action
          ? [str(h.action).trim() === 'submit' ? ourCall('submit', {}) : ourCall('bash', { command: str(h.action) })]
          : [];
      const msg = calls.length
        ? callMessage(str(h.thought ?? h.content), turn, calls)
        : { role: 'assistant' as const, content: str(h.content) };
      theirs.forEach((c, i) => ids.set(str(c.id), msg.tool_calls![i]!.id));
      out.push(msg);
    } else if (role === 'tool') {
      const id = ids.get(str((h.tool_call_ids as unknown[] | undefined)?.[0])) ?? out.at(-1)?.tool_calls?.[0]?.id;
      out.push({ role: 'tool', tool_call_id: id, content: str(h.content) });
    }
  }
  const info = (t.info ?? {}) as Obj;
  return { messages: out, patch: str(info.submission) || null, exitStatus: str(info.exit_status) || null };
}

function fromMini(t: Obj): Imported {
  const msgs = t.messages as Obj[] | undefined;
  if (!Array.isArray(msgs)) throw new InputError('messages: a mini-swe-agent .traj.json file has a messages list');
  const out: TrajectoryMessage[] = [];
  let turn = 0;
  for (const m of msgs) {
    const content = str(m.content);
    const obs = /^<returncode>(-?\d+)<\/returncode>\n<output>\n?([\s\S]*?)\n?<\/output>/.exec(content);
    const pending = out.at(-1)?.tool_calls?.[0]?.id;
    if (m.role === 'user' && obs && pending)
      out.push({ role: 'tool', tool_call_id: pending, content: withExit(obs[2]!, Number(obs[1])) });
    else if (m.role === 'assistant') {
      const block = /```bash\s*\n([\s\S]*?)\n```/.exec(content);
      if (!block) out.push({ role: 'assistant', content });
      else {
        const command = block[1]!;
        const call =
          command.includes('COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT') || command === SUBMIT_COMMAND
            ? ourCall('submit', {})
            : ourCall('bash', { command });
        out.push(callMessage(content.slice(0, block.index).trim(), ++turn, [call]));
      }
    } else if (m.role === 'system' || m.role === 'user') out.push({ role: m.role, content });
  }
  const info = (t.info ?? {}) as Obj;
  return { messages: out, patch: str(info.submission) || null, exitStatus: str(info.exit_status) || null };
}

function fromOpenHands(events: Obj[]): Imported {
  const out: TrajectoryMessage[] = [];
  const ids = new Map<number, string>();
  let turn = 0;
  let patch: string | null = null;
  for (const e of events) {
    const args = (e.args ?? {}) as Obj;
    if (e.action === 'system') out.push({ role: 'system', content: str(args.content ?? e.message) });
    else if (e.action === 'message')
      out.push({ role: e.source === 'user' ? 'user' : 'assistant', content: str(args.content ?? e.message) });
    else if (typeof e.action === 'string' && ['run', 'read', 'edit', 'finish'].includes(e.action)) {
      const { thought, impl_source: _impl, is_input: _in, blocking: _b, ...rest } = args;
      const call =
        e.action === 'run'
          ? ourCall('bash', { command: rest.command })
          : e.action === 'read'
            ? ourCall('edit', {
                command: 'view',
                path: rest.path,
                ...(rest.view_range ? { view_range: rest.view_range } : {}),
              })
            : e.action === 'edit'
              ? ourCall(
                  'edit',
                  Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null && v !== undefined)),
                )
              : ourCall('finish', {});
      const msg = callMessage(str(thought ?? args.final_thought), ++turn, [call]);
      ids.set(Number(e.id), msg.tool_calls![0]!.id);
      out.push(msg);
      if (e.action === 'finish') {
        patch = str((args.outputs as Obj | undefined)?.git_patch) || null;
        out.push({ role: 'tool', tool_call_id: msg.tool_calls![0]!.id, content: patch ?? '' });
      }
    } else if (typeof e.observation === 'string' && ids.has(Number(e.cause))) {
      const extras = (e.extras ?? {}) as { metadata?: { exit_code?: number } };
      out.push({
        role: 'tool',
        tool_call_id: ids.get(Number(e.cause)),
        content: withExit(str(e.content), extras.metadata?.exit_code ?? 0),
      });
    }
  }
  return { messages: out, patch, exitStatus: patch !== null ? 'submitted' : null };
}

export function importTrajectory(data: unknown, format: TrajectoryFormat): Imported {
  if (format === 'openhands') {
    const events = Array.isArray(data) ? data : ((data as Obj | null)?.trajectory ?? (data as Obj | null)?.events);
    if (!Array.isArray(events)) throw new InputError('an OpenHands trajectory is a JSON list of events');
    return fromOpenHands(events as Obj[]);
  }
  if (!data || typeof data !== 'object') throw new InputError(`a ${format} trajectory is a JSON object`);
  return format === 'swe-agent' ? fromSweAgent(data as Obj) : fromMini(data as Obj);
}
