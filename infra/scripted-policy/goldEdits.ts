// Turning a gold patch (unified git diff) into the file_editor calls an agent would make: one str_replace per
// hunk (old side -> new side, context included, so the match is almost always unique), `create` for new files,
// `rm` for deleted ones. Part of the scripted policy server, a TEST STAND-IN, not a model.
import { parseDiff, type Hunk as DiffHunk } from '../../core/unifiedDiff.ts';

export interface Hunk {
  oldText: string;
  newText: string;
  /** The text after the second @@ (often the enclosing def), used as a search term while exploring. */
  section: string;
}

export interface FileChange {
  path: string;
  kind: 'modify' | 'create' | 'delete';
  hunks: Hunk[];
}

const stripPrefix = (p: string) => p.replace(/^"|"$/g, '').replace(/^[ab]\//, '');

export function parseGoldPatch(patch: string): FileChange[] {
  const files = parseDiff(patch).files.flatMap((f): FileChange[] => {
    const git = f.header[0]?.startsWith('diff --git ') ? / "?b\/(.*?)"?$/.exec(f.header[0]) : undefined;
    if (git === undefined) return []; // a file only starts at `diff --git`
    const plus = f.header.find((l) => l.startsWith('+++ ') && !l.includes('/dev/null'));
    const kind = f.header.some((l) => l.startsWith('new file mode'))
      ? 'create'
      : f.header.some((l) => l.startsWith('deleted file mode'))
        ? 'delete'
        : 'modify';
    const path = plus ? stripPrefix(plus.slice(4).trim()) : git ? git[1]! : '';
    return [{ path, kind, hunks: f.hunks.map(goldHunk) }];
  });
  return files.filter((f) => f.path);
}

function goldHunk(h: DiffHunk): Hunk {
  const hunk: Hunk = { oldText: '', newText: '', section: /^@@ [^@]*@@ ?(.*)$/.exec(h.header)![1]!.trim() };
  let last: ' ' | '-' | '+' | undefined;
  for (const line of h.lines) {
    const tag = line === '' ? ' ' : line[0];
    const body = line.slice(1);
    if (tag === '\\') stripNewline(hunk, last);
    else {
      if (tag !== '+') hunk.oldText += `${body}\n`;
      if (tag !== '-') hunk.newText += `${body}\n`;
      last = tag as ' ' | '-' | '+';
    }
  }
  return hunk;
}

/** "\\ No newline at end of file" belongs to the line before it. */
function stripNewline(hunk: Hunk, last: ' ' | '-' | '+' | undefined): void {
  if (last !== '+') hunk.oldText = hunk.oldText.replace(/\n$/, '');
  if (last !== '-') hunk.newText = hunk.newText.replace(/\n$/, '');
}

export interface EditorCall {
  name: 'file_editor' | 'bash';
  arguments: Record<string, unknown>;
}

/** The calls that apply the patch, in order. */
export function goldEditCalls(changes: FileChange[], root: string): EditorCall[] {
  const calls: EditorCall[] = [];
  for (const f of changes) {
    const path = `${root}/${f.path}`;
    if (f.kind === 'delete') calls.push({ name: 'bash', arguments: { command: `rm ${path}` } });
    else if (f.kind === 'create') {
      calls.push({
        name: 'file_editor',
        arguments: { command: 'create', path, file_text: f.hunks.map((h) => h.newText).join('') },
      });
    } else {
      for (const h of f.hunks) {
        calls.push({
          name: 'file_editor',
          arguments: { command: 'str_replace', path, old_str: h.oldText, new_str: h.newText },
        });
      }
    }
  }
  return calls;
}
