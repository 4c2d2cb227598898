// Wrong fixes for the scripted policy (a TEST STAND-IN, not a model): the gold patch with one plausible mistake,
// the kind a real agent makes, so that nothing but the code itself tells a wrong fix from a right one (no marker
// comment, no extra file). Every kind edits only lines the gold patch adds, so the result is a patch that still
// applies; test/integration/scripted-mutations.test.ts checks that each one still fails the task's tests.

export type MutationKind = 'off_by_one' | 'wrong_operator' | 'wrong_branch' | 'partial_fix';
export const MUTATION_KINDS: readonly MutationKind[] = ['off_by_one', 'wrong_operator', 'wrong_branch', 'partial_fix'];

interface Hunk {
  header: string;
  lines: string[];
}
interface FilePatch {
  head: string[];
  hunks: Hunk[];
}

function split(patch: string): { files: FilePatch[]; trailingNewline: boolean } {
  const files: FilePatch[] = [];
  let file: FilePatch | undefined;
  let hunk: Hunk | undefined;
  const lines = patch.split('\n');
  const trailingNewline = lines[lines.length - 1] === '';
  if (trailingNewline) lines.pop();
  for (const line of lines) {
    if (line.startsWith('diff --git ')) {
      file = { head: [line], hunks: [] };
      files.push(file);
      hunk = undefined;
    } else if (file && line.startsWith('@@')) {
      hunk = { header: line, lines: [] };
      file.hunks.push(hunk);
    } else if (hunk) hunk.lines.push(line);
    else file?.head.push(line);
  }
  return { files, trailingNewline };
}

/** Rewrites each hunk header's line counts from its body (partial fixes drop added lines). */
function join(files: FilePatch[], trailingNewline: boolean): string {
  const out: string[] = [];
  for (const f of files) {
    if (!f.hunks.length) continue;
    out.push(...f.head);
    for (const h of f.hunks) {
      const count = (tags: string) => h.lines.filter((l) => tags.includes(l[0] ?? ' ')).length;
      const header = h.header.replace(
        /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/,
        (_, a: string, b: string) => `@@ -${a},${count(' -')} +${b},${count(' +')} @@`,
      );
      out.push(header, ...h.lines);
    }
  }
  return out.join('\n') + (trailingNewline ? '\n' : '');
}

/** Added code lines (not comments, docstrings or blank lines): where a mistake can hide. */
function addedCode(files: FilePatch[]): { hunk: Hunk; index: number }[] {
  const out: { hunk: Hunk; index: number }[] = [];
  for (const f of files)
    for (const hunk of f.hunks)
      hunk.lines.forEach((l, index) => {
        const body = l.slice(1).trim();
        if (l.startsWith('+') && body && !/^(#|"""|'''|"|')/.test(body)) out.push({ hunk, index });
      });
  return out;
}

const SWAPS: [RegExp, string][] = [
  [/ <= /, ' < '],
  [/ >= /, ' > '],
  [/ < /, ' <= '],
  [/ > /, ' >= '],
  [/ == /, ' != '],
  [/ != /, ' == '],
  [/ is not None/, ' is None'],
  [/ is None/, ' is not None'],
  [/ and /, ' or '],
  [/ or /, ' and '],
  [/ not /, ' '],
  [/ \+ /, ' - '],
  [/ - /, ' + '],
];

/** Code outside string literals, so a swap never lands in a message. */
const outsideStrings = (line: string) => line.replace(/(["'])(?:\\.|(?!\1).)*\1/g, (m) => ' '.repeat(m.length));

function editFirst(files: FilePatch[], edit: (line: string) => string | null): boolean {
  for (const { hunk, index } of addedCode(files)) {
    const next = edit(hunk.lines[index]!);
    if (next !== null && next !== hunk.lines[index]) {
      hunk.lines[index] = next;
      return true;
    }
  }
  return false;
}

function mutateParsed(files: FilePatch[], kind: MutationKind): boolean {
  switch (kind) {
    case 'off_by_one':
      return editFirst(files, (l) => {
        const code = outsideStrings(l);
        const m = /(?<![\w.])(\d+)(?![\w.])/.exec(code);
        if (m) return l.slice(0, m.index) + String(Number(m[1]) + 1) + l.slice(m.index + m[1]!.length);
        // No literal: a slice bound one short (`[:n]` -> `[:n - 1]`).
        const s = /\[:(\w+)\]/.exec(code);
        return s ? `${l.slice(0, s.index)}[:${s[1]} - 1]${l.slice(s.index + s[0].length)}` : null;
      });
    case 'wrong_operator':
      return editFirst(files, (l) => {
        const code = outsideStrings(l);
        for (const [re, to] of SWAPS) {
          const m = re.exec(code);
          if (m) return l.slice(0, m.index) + to + l.slice(m.index + m[0].length);
        }
        return null;
      });
    case 'wrong_branch':
      // The new code runs in the branch the fix did not mean: its first condition is negated.
      return editFirst(files, (l) => {
        const m = /^(\+\s*(?:if|elif|while) )(.+?)(:\s*(?:#.*)?)$/.exec(l);
        return m ? `${m[1]}not (${m[2]})${m[3]}` : null;
      });
    case 'partial_fix': {
      // Several hunks: only the first is fixed. One hunk: its last added line is left out.
      const hunks = files.flatMap((f) => f.hunks);
      if (hunks.length > 1) {
        files.forEach((f, i) => (f.hunks = i === 0 ? f.hunks.slice(0, 1) : []));
        return true;
      }
      const added = addedCode(files);
      if (added.length < 2) return false;
      const last = added[added.length - 1]!;
      last.hunk.lines.splice(last.index, 1);
      return true;
    }
  }
}

/** The kinds that change this gold patch (in MUTATION_KINDS order). */
export function applicableMutations(goldPatch: string): MutationKind[] {
  return MUTATION_KINDS.filter((k) => mutatePatch(goldPatch, k) !== null);
}

/** The gold patch with one mistake of this kind, or null when the patch offers no place for it. */
export function mutatePatch(goldPatch: string, kind: MutationKind): string | null {
  const { files, trailingNewline } = split(goldPatch);
  if (!mutateParsed(files, kind)) return null;
  const out = join(files, trailingNewline);
  return out === goldPatch ? null : out;
}
