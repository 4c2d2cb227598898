// SWE-agent's `.traj` (0.x and 1.x): `history` as the model saw it. Function calling (1.x default): a reply's
// `tool_calls`, results as `tool` messages with `tool_call_ids`. thought_action (text parser, and all of 0.x): no
// tool calls; the command is the reply's `action` (the last ``` block), its result the next `user` message. The
// action is a shell command line run in SWE-agent's shell, where its tools are programs: `str_replace_editor …`,
// `find_file` / `search_dir` / `search_file` and `submit` become our file_editor, search and submit calls, any other
// line (shell commands, 0.x windowed tools such as `open` or `edit 4:4 … end_of_edit`) a bash call. Pure.
import { ourCall } from '../trajectoryActions.ts';
import {
  TrajectoryBuilder,
  editorCall,
  isObj,
  parseArgs,
  str,
  text,
  type Call,
  type Imported,
  type Obj,
} from './common.ts';

const SEARCH = new Set(['find_file', 'search_dir', 'search_file']);

/** Bash's words of a command line (quotes and backslashes), or null when it is not one simple command. */
export function shellWords(line: string): string[] | null {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return null;
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      let j = i + 1;
      let s = '';
      for (; j < line.length && line[j] !== '"'; j++)
        s += line[j] === '\\' && '"\\$`'.includes(line[j + 1] ?? '') ? line[++j] : line[j];
      if (j >= line.length) return null;
      word = (word ?? '') + s;
      i = j;
    } else if (ch === '\\') {
      const next = line[++i] ?? '';
      if (next !== '\n') word = (word ?? '') + next; // a backslash-newline joins lines
    } else if (ch === '\n')
      return null; // a second command, or a 0.x `edit … end_of_edit` body
    else if (/\s/.test(ch)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (';&|<>'.includes(ch)) return null;
    else word = (word ?? '') + ch;
  }
  if (word !== null) words.push(word);
  return words;
}

/** `str_replace_editor COMMAND PATH --flag value…` as our file_editor's arguments. */
function editorArgs(rest: string[]): Obj | null {
  const [command, path, ...flags] = rest;
  const args: Obj = { command, path };
  for (let i = 0; i < flags.length; i++) {
    const flag = /^--(\w+)$/.exec(flags[i]!)?.[1];
    if (!flag) return null;
    const values: string[] = [];
    while (i + 1 < flags.length && !/^--\w+$/.test(flags[i + 1]!)) values.push(flags[++i]!);
    args[flag] =
      flag === 'view_range' ? values.map(Number) : flag === 'insert_line' ? Number(values[0]) : values.join(' ');
  }
  return args;
}

/** A thought_action command line as one of our calls. */
export function fromActionLine(action: string): Call {
  const line = action.trim();
  const bash = ourCall('bash', { command: line });
  const words = shellWords(line);
  if (!words?.length) return bash;
  const [head, ...rest] = words as [string, ...string[]];
  if (head === 'submit' && !rest.length) return ourCall('submit', {});
  if (head === 'str_replace_editor') {
    const args = editorArgs(rest);
    return args ? editorCall(args) : bash;
  }
  if (SEARCH.has(head) && rest.length && rest.length <= 2)
    return ourCall(
      head,
      head === 'find_file'
        ? { file_name: rest[0], dir: rest[1] }
        : head === 'search_file'
          ? { search_term: rest[0], file: rest[1] }
          : { search_term: rest[0], dir: rest[1] },
    );
  return bash;
}

/** A function call of SWE-agent as ours; a tool we lack is the command line SWE-agent ran for it. */
function fromFunctionCall(c: Obj, action: string): Call {
  const fn = isObj(c.function) ? c.function : {};
  const name = str(fn.name);
  const args = parseArgs(fn.arguments) ?? {};
  if (name === 'str_replace_editor') return editorCall(args);
  if (name === 'bash' || name === 'submit' || SEARCH.has(name)) return ourCall(name, args);
  return ourCall('bash', { command: action.trim() || `${name} ${JSON.stringify(args)}` });
}

export function fromSweAgent(t: Obj, source: string): Imported {
  const b = new TrajectoryBuilder(source);
  const history = t.history;
  if (!Array.isArray(history)) b.fail('history: a SWE-agent .traj file has a history list');
  for (const h of history as Obj[]) {
    const content = text(h.content);
    if (h.role === 'assistant') {
      const theirs = Array.isArray(h.tool_calls) ? (h.tool_calls as Obj[]) : [];
      const action = str(h.action);
      if (theirs.length)
        b.call(
          content,
          theirs.map((c) => fromFunctionCall(c, action)),
          theirs.map((c) => str(c.id)),
        );
      else if (action.trim())
        b.call(typeof h.thought === 'string' ? h.thought.trim() : content, [fromActionLine(action)]);
      else b.add('assistant', content);
    } else if (h.role === 'tool') b.observe(content, str((h.tool_call_ids as unknown[] | undefined)?.[0]), true);
    else if (h.role === 'user' && b.pending && !h.is_demo) b.observe(content);
    else if (h.role === 'system' || h.role === 'user') b.add(h.role, content);
  }
  const info = isObj(t.info) ? t.info : {};
  return b.done(str(info.submission) || null, str(info.exit_status) || null, 'SWE-agent');
}
