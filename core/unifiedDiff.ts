// The one unified-diff reader (issue 21). A hunk's body is as long as its @@ header says, so a content line that
// reads like a file header is still content: a removed SQL comment `-- x` is the line `--- x`, an added `++ x` is
// `+++ x`. Every line outside a hunk (`diff --git`, modes, `index`, renames, binary payloads, blank lines) is kept
// verbatim, so formatDiff(parseDiff(p)) === p and callers transform only what they understand. Pure.

export interface Hunk {
  /** The header line as written (`@@ -1,3 +1,4 @@ def f():`). */
  header: string;
  /** As the header writes them: a side of length 0 starts one line before its position. */
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Body lines verbatim: ' ', '-', '+' or '\' first; '' is a blank context line whose space some tools strip. */
  lines: string[];
  /** Lines after the body that belong to no hunk (blank lines, a mail signature), verbatim. */
  trailing: string[];
}

export interface FileDiff {
  /** Lines before the first hunk, verbatim: `diff --git`, extended headers, `--- `/`+++ `, binary payloads. */
  header: string[];
  hunks: Hunk[];
}

export interface ParsedDiff {
  /** Lines before the first file (a commit message). */
  preamble: string[];
  files: FileDiff[];
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

export function parseDiff(patch: string): ParsedDiff {
  const lines = patch.split('\n');
  const out: ParsedDiff = { preamble: [], files: [] };
  let file: FileDiff | undefined;
  let hunk: Hunk | undefined;
  let oldLeft = 0;
  let newLeft = 0;
  const startFile = (header: string[]) => {
    file = { header, hunks: [] };
    out.files.push(file);
    hunk = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (hunk && (oldLeft > 0 || newLeft > 0)) {
      const last = i === lines.length - 1; // '' there is the patch's final newline, not a stripped context line
      const tag = line === '' && !last ? ' ' : line[0];
      if (tag === ' ' || tag === '-' || tag === '+' || tag === '\\') {
        hunk.lines.push(line);
        if (tag === ' ' || tag === '-') oldLeft--;
        if (tag === ' ' || tag === '+') newLeft--;
        continue;
      }
      // A hunk shorter than its header (a truncated patch): this line is read as outside any hunk.
      oldLeft = newLeft = 0;
    }
    // `\ No newline at end of file` after a hunk's last counted line still belongs to it.
    if (hunk && !hunk.trailing.length && line.startsWith('\\')) {
      hunk.lines.push(line);
      continue;
    }
    const head = HUNK.exec(line);
    if (head) {
      if (!file) startFile([]);
      const count = (n: string | undefined) => (n === undefined ? 1 : Number(n));
      hunk = {
        header: line,
        oldStart: Number(head[1]),
        oldLines: count(head[2]),
        newStart: Number(head[3]),
        newLines: count(head[4]),
        lines: [],
        trailing: [],
      };
      file!.hunks.push(hunk);
      oldLeft = hunk.oldLines;
      newLeft = hunk.newLines;
      continue;
    }
    // A file starts at `diff ...`, or at a `--- `/`+++ ` pair once the current file is past its own pair.
    const pair = line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ');
    const pastPair = !file || file.hunks.length > 0 || file.header.some((l) => l.startsWith('--- '));
    if (line.startsWith('diff ') || (pair && pastPair)) startFile([line]);
    else (hunk ? hunk.trailing : file ? file.header : out.preamble).push(line);
  }
  return out;
}

export function formatDiff(d: ParsedDiff): string {
  const lines = [...d.preamble];
  for (const f of d.files) {
    lines.push(...f.header);
    for (const h of f.hunks) lines.push(h.header, ...h.lines, ...h.trailing);
  }
  return lines.join('\n');
}

/** The file's new-side path from its `+++ ` line, `b/` and quotes stripped; undefined when deleted or absent. */
export function newPath(f: FileDiff): string | undefined {
  const line = f.header.find((l) => l.startsWith('+++ '));
  const path = line === undefined ? undefined : /^\+\+\+ (?:"?b\/)?(.*?)"?$/.exec(line)![1]!;
  return path === '/dev/null' ? undefined : path;
}

/** Body lines of the hunk's post-patch side (context and additions), tags removed. */
export function newSide(h: Hunk): string[] {
  return h.lines.filter((l) => l === '' || l[0] === ' ' || l[0] === '+').map((l) => l.slice(1));
}

/** Added and removed line counts of a file's hunks. */
export function lineCounts(f: FileDiff): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const l of f.hunks.flatMap((h) => h.lines)) {
    if (l.startsWith('+')) added++;
    else if (l.startsWith('-')) removed++;
  }
  return { added, removed };
}

/** The reverse of a unified diff: what undoes it (`git apply -R` as text). Lines it does not know stay as they are. */
export function reverseDiff(patch: string): string {
  const d = parseDiff(patch);
  return formatDiff({
    preamble: d.preamble,
    files: d.files.map((f) => ({ header: reverseHeader(f.header), hunks: f.hunks.map(reverseHunk) })),
  });
}

function reverseHeader(header: readonly string[]): string[] {
  const out = header.map((line) => {
    const git = /^diff --git a\/(\S+) b\/(\S+)$/.exec(line);
    if (git) return `diff --git a/${git[2]} b/${git[1]}`;
    if (line.startsWith('new file mode')) return line.replace('new file mode', 'deleted file mode');
    if (line.startsWith('deleted file mode')) return line.replace('deleted file mode', 'new file mode');
    return line.replace(/^index ([0-9a-f]+)\.\.([0-9a-f]+)/, 'index $2..$1');
  });
  swapValues(out, '--- ', '+++ ', (from, to) => {
    const side = (p: string, prefix: 'a' | 'b') => (p === '/dev/null' ? p : `${prefix}/${p.replace(/^[ab]\//, '')}`);
    return [side(to, 'a'), side(from, 'b')];
  });
  swapValues(out, 'old mode ', 'new mode ');
  swapValues(out, 'rename from ', 'rename to ');
  return out;
}

/** Exchanges the values of the first `a...` and `b...` lines in place (each keeps its keyword and position). */
function swapValues(
  lines: string[],
  a: string,
  b: string,
  swap = (x: string, y: string): [string, string] => [y, x],
): void {
  const i = lines.findIndex((l) => l.startsWith(a));
  const j = lines.findIndex((l) => l.startsWith(b));
  if (i < 0 || j < 0) return;
  const [x, y] = swap(lines[i]!.slice(a.length), lines[j]!.slice(b.length));
  lines[i] = a + x;
  lines[j] = b + y;
}

function reverseHunk(h: Hunk): Hunk {
  const lines: string[] = [];
  // A run of changed lines is written removals first, as diff tools do (git apply would take either order).
  let minus: string[] = [];
  let plus: string[] = [];
  const flush = () => {
    lines.push(...minus, ...plus);
    minus = [];
    plus = [];
  };
  for (const l of h.lines) {
    if (l.startsWith('+')) minus.push(`-${l.slice(1)}`);
    else if (l.startsWith('-')) plus.push(`+${l.slice(1)}`);
    else {
      flush();
      lines.push(l);
    }
  }
  flush();
  const header = h.header.replace(/^@@ -(\d+(?:,\d+)?) \+(\d+(?:,\d+)?) @@/, '@@ -$2 +$1 @@');
  return {
    ...h,
    header,
    oldStart: h.newStart,
    oldLines: h.newLines,
    newStart: h.oldStart,
    newLines: h.oldLines,
    lines,
  };
}

export type DiffLineKind = 'header' | 'hunk' | 'context' | 'add' | 'del' | 'other';

/** Every line of the patch in order, with what it is (for display: `--- x` inside a hunk is a removal). */
export function diffLines(patch: string): { text: string; kind: DiffLineKind }[] {
  const d = parseDiff(patch);
  const tag = (text: string): DiffLineKind => (text[0] === '+' ? 'add' : text[0] === '-' ? 'del' : 'context');
  return [
    ...d.preamble.map((text) => ({ text, kind: 'other' as const })),
    ...d.files.flatMap((f) => [
      ...f.header.map((text) => ({ text, kind: 'header' as const })),
      ...f.hunks.flatMap((h) => [
        { text: h.header, kind: 'hunk' as const },
        ...h.lines.map((text) => ({ text, kind: tag(text) })),
        ...h.trailing.map((text) => ({ text, kind: 'other' as const })),
      ]),
    ]),
  ];
}
