// The file_editor tool's operations on strings (R2E-Gym / SWE-agent style). Pure: the tool reads the file from
// the container, calls one of these, and writes back what it returns. Failures are observations for the model,
// phrased so it can correct itself (which line numbers matched, what the valid range is).

export type EditorCommand = 'view' | 'create' | 'str_replace' | 'insert' | 'undo_edit';

export interface EditorOk {
  ok: true;
  observation: string;
  /** New file content to write; absent for view. */
  write?: string;
}
export interface EditorFail {
  ok: false;
  error: string;
}
export type EditorResult = EditorOk | EditorFail;

const SNIPPET_CONTEXT = 4;

function splitLines(content: string): string[] {
  const lines = content.split('\n');
  // A trailing newline ends the last line; it does not start an empty one.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** `cat -n` style: right-aligned 1-based numbers, a tab, the line. */
export function numberLines(lines: string[], firstLine = 1): string {
  return lines.map((l, i) => `${String(i + firstLine).padStart(6)}\t${l}`).join('\n');
}

export function viewFile(path: string, content: string, range?: unknown): EditorResult {
  const lines = content === '' ? [] : splitLines(content);
  if (range === undefined || range === null) {
    return { ok: true, observation: `Here is ${path} with line numbers:\n${numberLines(lines)}` };
  }
  if (!Array.isArray(range) || range.length !== 2 || !range.every((n) => Number.isInteger(n))) {
    return { ok: false, error: 'view_range must be two integers [start, end] (end -1 means the last line)' };
  }
  const start = range[0] as number;
  const end = (range[1] as number) === -1 ? lines.length : (range[1] as number);
  if (start < 1 || start > Math.max(lines.length, 1) || end < start || end > lines.length) {
    return { ok: false, error: `view_range [${range.join(', ')}] is outside the file's lines 1..${lines.length}` };
  }
  return {
    ok: true,
    observation: `Here is ${path} lines ${start}-${end}:\n${numberLines(lines.slice(start - 1, end), start)}`,
  };
}

export function createFile(path: string, existing: string | null, fileText: string): EditorResult {
  if (existing !== null) {
    return { ok: false, error: `${path} already exists; use str_replace or insert to change it` };
  }
  return { ok: true, write: fileText, observation: `Created ${path} (${splitLines(fileText).length} lines).` };
}

function occurrences(haystack: string, needle: string): number[] {
  const at: number[] = [];
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) at.push(i);
  return at;
}

const lineOf = (content: string, offset: number) => content.slice(0, offset).split('\n').length;

function snippet(path: string, content: string, firstChanged: number, changedLines: number): string {
  const lines = splitLines(content);
  const from = Math.max(1, firstChanged - SNIPPET_CONTEXT);
  const to = Math.min(lines.length, firstChanged + changedLines - 1 + SNIPPET_CONTEXT);
  return `Edited ${path}. Here is the result around the change:\n${numberLines(lines.slice(from - 1, to), from)}`;
}

export function strReplace(path: string, content: string, oldStr: string, newStr: string): EditorResult {
  if (oldStr === '') return { ok: false, error: 'old_str must not be empty' };
  const at = occurrences(content, oldStr);
  if (at.length === 0) {
    return { ok: false, error: `old_str was not found in ${path} (it must match exactly, whitespace included)` };
  }
  if (at.length > 1) {
    const lines = at.map((o) => lineOf(content, o)).join(', ');
    return {
      ok: false,
      error: `old_str occurs ${at.length} times in ${path} (lines ${lines}); include more context to make it unique`,
    };
  }
  const offset = at[0]!;
  const next = content.slice(0, offset) + newStr + content.slice(offset + oldStr.length);
  return {
    ok: true,
    write: next,
    observation: snippet(path, next, lineOf(content, offset), splitLines(newStr).length),
  };
}

export function insertLines(path: string, content: string, insertLine: unknown, newStr: string): EditorResult {
  const lines = content === '' ? [] : splitLines(content);
  if (!Number.isInteger(insertLine) || (insertLine as number) < 0 || (insertLine as number) > lines.length) {
    return { ok: false, error: `insert_line must be an integer in 0..${lines.length} (0 inserts at the top)` };
  }
  const n = insertLine as number;
  const added = splitLines(newStr);
  const next =
    [...lines.slice(0, n), ...added, ...lines.slice(n)].join('\n') +
    (content === '' || content.endsWith('\n') ? '\n' : '');
  return { ok: true, write: next, observation: snippet(path, next, n + 1, added.length) };
}

/** Per-rollout undo history: the content of each path before each successful edit. */
export class EditHistory {
  private readonly stacks = new Map<string, (string | null)[]>();

  record(path: string, before: string | null): void {
    const stack = this.stacks.get(path) ?? [];
    stack.push(before);
    this.stacks.set(path, stack);
  }

  /** The content to restore (null: the file did not exist, delete it), or an error when nothing to undo. */
  undo(path: string): { ok: true; restore: string | null } | EditorFail {
    const stack = this.stacks.get(path);
    if (!stack || stack.length === 0) return { ok: false, error: `no edit to undo for ${path}` };
    return { ok: true, restore: stack.pop()! };
  }
}
