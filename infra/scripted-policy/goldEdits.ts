// Turning a gold patch (unified git diff) into the file_editor calls an agent would make: one str_replace per
// hunk (old side -> new side, context included, so the match is almost always unique), `create` for new files,
// `rm` for deleted ones. Part of the scripted policy server, a TEST STAND-IN, not a model.

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
  const files: FileChange[] = [];
  let file: FileChange | undefined;
  let hunk: Hunk | undefined;
  // Lines still expected on each side of the current hunk (from its header): they tell a blank context line
  // (which some tools strip to '') from the end of the hunk.
  let oldLeft = 0;
  let newLeft = 0;
  let last: ' ' | '-' | '+' | undefined;
  for (const line of patch.split('\n')) {
    const inHunk = hunk !== undefined && (oldLeft > 0 || newLeft > 0);
    if (!inHunk && line.startsWith('diff --git ')) {
      const m = / "?b\/(.*?)"?$/.exec(line);
      file = { path: m ? m[1]! : '', kind: 'modify', hunks: [] };
      files.push(file);
      hunk = undefined;
      continue;
    }
    if (!file) continue;
    const head = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@ ?(.*)$/.exec(line);
    if (!inHunk && head) {
      hunk = { oldText: '', newText: '', section: head[3]!.trim() };
      oldLeft = head[1] === undefined ? 1 : Number(head[1]);
      newLeft = head[2] === undefined ? 1 : Number(head[2]);
      file.hunks.push(hunk);
      last = undefined;
      continue;
    }
    if (!inHunk) {
      if (hunk && line.startsWith('\\')) stripNewline(hunk, last);
      else if (line.startsWith('new file mode')) file.kind = 'create';
      else if (line.startsWith('deleted file mode')) file.kind = 'delete';
      else if (line.startsWith('+++ ') && !line.includes('/dev/null')) file.path = stripPrefix(line.slice(4).trim());
      continue;
    }
    const tag = line === '' ? ' ' : line[0];
    const body = line.slice(1);
    if (tag === ' ') {
      hunk!.oldText += `${body}\n`;
      hunk!.newText += `${body}\n`;
      oldLeft--;
      newLeft--;
      last = ' ';
    } else if (tag === '-') {
      hunk!.oldText += `${body}\n`;
      oldLeft--;
      last = '-';
    } else if (tag === '+') {
      hunk!.newText += `${body}\n`;
      newLeft--;
      last = '+';
    } else if (tag === '\\') stripNewline(hunk!, last);
  }
  return files.filter((f) => f.path);
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
