// What the three importers share: building a trajectory of ours call by call, with each observation answering the
// call it belongs to, and the checks every import ends with (at least one action; every call answered). Pure.
import { InputError } from '../../../core/errors.ts';
import type { TrajectoryMessage } from '../../../contracts/rollout.ts';
import type { Args } from '../trajectoryActions.ts';

export type Obj = Record<string, unknown>;
export interface Call {
  name: string;
  args: Args;
}
export interface Imported {
  messages: TrajectoryMessage[];
  patch: string | null;
  exitStatus: string | null;
}

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));
/** Message content as text: a string, or OpenAI/Anthropic content parts (`[{type: 'text', text}]`). */
export const text = (v: unknown): string =>
  Array.isArray(v) ? v.map((p) => (typeof p === 'string' ? p : isObj(p) ? str(p.text) : '')).join('') : str(v);
/** Texts of one reply, blank ones left out. */
export const join = (...parts: string[]) => parts.filter(Boolean).join('\n\n');
export const withExit = (output: string, code: number) => (code ? `${output}\n[exit code ${code}]` : output);

export function parseArgs(v: unknown): Args | null {
  if (isObj(v)) return v;
  try {
    const a: unknown = JSON.parse(str(v));
    return isObj(a) ? a : null;
  } catch {
    return null;
  }
}

const EDITOR_KEYS = ['command', 'path', 'file_text', 'old_str', 'new_str', 'insert_line', 'view_range'];
/** Our file_editor's arguments out of a str_replace_editor call (the same tool; others' extra fields dropped). */
export const editorCall = (a: Args): Call => ({
  name: 'file_editor',
  args: Object.fromEntries(EDITOR_KEYS.filter((k) => a[k] !== undefined && a[k] !== null).map((k) => [k, a[k]])),
});

export class TrajectoryBuilder {
  readonly messages: TrajectoryMessage[] = [];
  private turn = 0;
  private calls = 0;
  private actions = 0; // calls other than submit
  private readonly open = new Map<string, string>(); // our call id -> our tool name, oldest first
  private readonly ours = new Map<string, string>(); // their call id -> ours

  constructor(private readonly source: string) {}

  fail(what: string): never {
    throw new InputError(`${this.source}: ${what}`);
  }

  add(role: 'system' | 'user' | 'assistant', content: string): void {
    this.messages.push({ role, content });
  }

  /** A reply with its calls; `theirs[i]` is the tool's own id of call i, if it has one. */
  call(content: string, calls: Call[], theirs: (string | undefined)[] = []): TrajectoryMessage {
    const msg: TrajectoryMessage = { role: 'assistant', content, tool_calls: [], meta: { turn: ++this.turn } };
    this.messages.push(msg);
    this.append(msg, calls, theirs);
    return msg;
  }

  /** More calls of the same reply (OpenHands writes one event per call). */
  append(msg: TrajectoryMessage, calls: Call[], theirs: (string | undefined)[] = []): void {
    calls.forEach((c, i) => {
      const id = `call_${msg.meta?.turn ?? this.turn}_${msg.tool_calls!.length}`;
      msg.tool_calls!.push({ id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } });
      this.open.set(id, c.name);
      if (c.name !== 'submit') this.actions++;
      if (theirs[i] !== undefined) this.ours.set(theirs[i], id);
      this.calls++;
    });
  }

  get pending(): boolean {
    return this.open.size > 0;
  }

  /** Answers the call with their id `theirs`; without one (or with `oldest`), the oldest open call. */
  observe(content: string, theirs?: string, oldest = theirs === undefined): boolean {
    let id = theirs === undefined ? undefined : this.ours.get(theirs);
    if (!(id && this.open.has(id))) id = oldest ? this.open.keys().next().value : undefined;
    if (!id) return false;
    this.answer(id, content);
    return true;
  }

  private answer(id: string, content: string): void {
    this.open.delete(id);
    this.messages.push({ role: 'tool', tool_call_id: id, content });
  }

  /** The checks every import ends with. A submit that ended the run has no observation in any of the tools'
   *  files (the run stopped there): its result is the submission. */
  done(patch: string | null, exitStatus: string | null, format: string): Imported {
    for (const [id, name] of [...this.open]) if (name === 'submit') this.answer(id, patch ?? '');
    // A submit alone (a chat that ended with finish) is no trajectory to learn from either.
    if (!this.actions)
      this.fail(
        `no action found: not one ${format} tool call or command${this.calls ? ' besides its submit' : ''} in it (is --format right?)`,
      );
    if (this.open.size)
      this.fail(
        `${this.open.size} of its ${this.calls} calls have no observation (${[...this.open.keys()].join(', ')})`,
      );
    return { messages: this.messages, patch, exitStatus };
  }
}
