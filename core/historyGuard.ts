// Refuses shell commands that read the repository's history, where the fix could be found (SWE-bench images
// keep .git; the image builder scrubs commits after base_commit, and this guard is the second line: it keeps
// agents from learning the habit, and counts attempts so the SFT filter can drop such trajectories).
// A heuristic over the command text, not a shell parser: it finds every `git` invocation (also inside
// `bash -c '...'`, after `&&`, `|`, `$(`), skips git's global options, and judges the sub-command.

export interface GuardVerdict {
  allowed: boolean;
  /** What was refused, e.g. "git log" or "git checkout HEAD~1"; only when refused. */
  rule?: string;
}

/** Sub-commands whose whole purpose is reading history or objects. */
const ALWAYS_REFUSED = new Set([
  'log',
  'show',
  'reflog',
  'whatchanged',
  'rev-list',
  'format-patch',
  'shortlog',
  'fsck',
  'bundle',
  'fast-export',
  'cherry',
  'verify-pack',
  'unpack-objects',
  'show-branch',
  'range-diff',
  'request-pull',
]);

/** Sub-commands that are fine on the working tree / HEAD but read history when given another revision. */
const REF_TAKING = new Set([
  'checkout',
  'switch',
  'restore',
  'reset',
  'diff',
  'difftool',
  'ls-tree',
  'archive',
  'grep',
  'merge',
  'rebase',
  'cherry-pick',
  'revert',
  'blame',
  'annotate',
  'describe',
  'name-rev',
  'merge-base',
  'diff-tree',
  'read-tree',
]);

/** Global options of git that take a separate value (`git -C dir log`). */
const GLOBAL_WITH_VALUE = new Set([
  '-C',
  '-c',
  '--git-dir',
  '--work-tree',
  '--namespace',
  '--exec-path',
  '--config-env',
]);

const SEPARATOR = /[;&|`\n)]/;
const GIT_WORD = /(^|[\s;&|(`'"$={}/\\])git(?=\s)/g;
const GIT_INTERNALS = /\.git\/(logs|refs|packed-refs|ORIG_HEAD|FETCH_HEAD|objects|rr-cache)\b/;
/** History files named on their own (after `cd .git`, or found with `find`): no working-tree file has these names. */
const HISTORY_FILES = /(^|[\s/'"])(packed-refs|ORIG_HEAD|FETCH_HEAD)\b/;
/** Changing into the git directory: whatever follows reads its internals by relative path. */
const CD_GIT = /\b(cd|pushd)\s+(["']?)(\S*\/)?\.git(\/\S*)?\2(?=$|[\s;&|)])/;
/** Inline programs of an interpreter (`python3 -c`, `perl -e`, `node -e`): their strings may spell a git call. */
const INLINE_CODE = /\b(python[0-9.]*|perl|ruby|node|php)\s+(?:-\S+\s+)*-[ce]\s/;

const unquote = (t: string) => t.replace(/^['"]+|['"]+$/g, '');

/** A revision other than the current commit: ancestry operators, reflog syntax, object ids, other refs. */
export function isForeignRevision(arg: string): boolean {
  if (arg === '' || arg === 'HEAD' || arg === '.' || arg === '--') return false;
  if (/[~^]|@\{/.test(arg)) return true;
  if (/^[0-9a-f]{7,40}$/i.test(arg)) return true;
  if (/^(refs\/|origin\/|upstream\/|FETCH_HEAD|ORIG_HEAD|MERGE_HEAD|stash@)/.test(arg)) return true;
  // A range (A..B) reads history between two commits.
  return /\.\./.test(arg) && !arg.includes('/');
}

function judge(sub: string, args: string[]): string | undefined {
  if (ALWAYS_REFUSED.has(sub)) return `git ${sub}`;
  if (sub === 'cat-file') {
    const objects = args.filter((a) => !a.startsWith('-'));
    return objects.every((o) => o.startsWith('HEAD:') || o.startsWith(':')) && objects.length > 0
      ? undefined
      : 'git cat-file';
  }
  if (!REF_TAKING.has(sub)) return undefined;
  if (args.includes('--all') && sub !== 'reset') return `git ${sub} --all`;
  const cut = args.indexOf('--');
  const before = cut >= 0 ? args.slice(0, cut) : args;
  // The first positional argument of grep is its pattern, which may well contain '^'.
  let positional = before.filter((a) => !a.startsWith('-'));
  if (sub === 'grep' && !before.some((a) => a === '-e' || a.startsWith('-e'))) positional = positional.slice(1);
  const sourceOpt = before.find((a) => a.startsWith('--source=') || a.startsWith('--onto='));
  const foreign = [...positional, ...(sourceOpt ? [sourceOpt.split('=')[1] ?? ''] : [])].find(isForeignRevision);
  if (foreign !== undefined) return `git ${sub} ${foreign}`;
  if (sub === 'checkout' || sub === 'switch') {
    if (before.includes('--detach') || before.includes('--orphan')) return `git ${sub} --detach`;
  }
  return undefined;
}

/** The sub-command and its arguments for each git invocation in the command text. */
export function gitInvocations(command: string): { sub: string; args: string[] }[] {
  const found: { sub: string; args: string[] }[] = [];
  for (const m of command.matchAll(GIT_WORD)) {
    // Quoted text is usually data (`grep "git log" docs/`); it is code after `sh -c` or `eval`.
    if ((m[1] === "'" || m[1] === '"') && !/(-c|eval)\s*$/.test(command.slice(0, m.index))) continue;
    const start = (m.index ?? 0) + m[0].length;
    const rest = command.slice(start);
    const end = rest.search(SEPARATOR);
    const tokens = (end >= 0 ? rest.slice(0, end) : rest).trim().split(/\s+/).map(unquote).filter(Boolean);
    let i = 0;
    while (i < tokens.length && tokens[i]!.startsWith('-')) i += GLOBAL_WITH_VALUE.has(tokens[i]!) ? 2 : 1;
    const sub = tokens[i];
    if (sub) found.push({ sub, args: tokens.slice(i + 1) });
  }
  return found;
}

/** Shell variables (and aliases) set to git, e.g. `g=git; $g log` -> `git log` (with the names it replaced). */
export function expandGitVariables(command: string): string | undefined {
  const names = [
    ...command.matchAll(
      /(?:^|[\s;&|(])(?:alias\s+|export\s+|local\s+)?([A-Za-z_]\w*)=(["']?)(\$\((?:which|command -v)\s+git\)|`(?:which|command -v)\s+git`|(?:\S*\/)?git)\2(?=$|[\s;&|)])/g,
    ),
  ].map((m) => m[1]!);
  if (!names.length) return undefined;
  let out = command;
  for (const n of names)
    out = out.replace(new RegExp(`\\$\\{${n}\\}|\\$${n}\\b|(^|[\\s;&|(])${n}(?=\\s)`, 'g'), (m, pre?: string) =>
      m.startsWith('$') ? 'git' : `${pre ?? ''}git`,
    );
  return out;
}

/**
 * The inline program of an interpreter with its string and list syntax flattened, so
 * `subprocess.run(['git', 'log'])` or `os.system("git show HEAD~1")` reads as a git command line.
 */
export function flattenInlineCode(command: string): string | undefined {
  if (!INLINE_CODE.test(command)) return undefined;
  return command.replace(/[[\](),'"]+/g, ' ');
}

function directVerdict(command: string): GuardVerdict {
  const internals = GIT_INTERNALS.exec(command);
  if (internals) return { allowed: false, rule: `.git/${internals[1]}` };
  const named = HISTORY_FILES.exec(command);
  if (named) return { allowed: false, rule: named[2]! };
  if (CD_GIT.test(command)) return { allowed: false, rule: 'cd .git' };
  for (const { sub, args } of gitInvocations(command)) {
    const rule = judge(sub, args);
    if (rule) return { allowed: false, rule };
  }
  return { allowed: true };
}

/**
 * Direct forms first, then the indirect ones: git held in a variable, git called from an inline program. A
 * heuristic still (an encoded command gets through): the history scrub of every image is the real defence.
 */
export function checkHistoryAccess(command: string): GuardVerdict {
  const direct = directVerdict(command);
  if (!direct.allowed) return direct;
  const expanded = expandGitVariables(command);
  const viaVar = expanded === undefined ? undefined : directVerdict(expanded);
  if (viaVar && !viaVar.allowed) return { allowed: false, rule: `${viaVar.rule} (git in a variable)` };
  const flat = flattenInlineCode(command);
  const viaCode = flat === undefined ? undefined : directVerdict(flat);
  if (viaCode && !viaCode.allowed) return { allowed: false, rule: `${viaCode.rule} (from an inline program)` };
  return { allowed: true };
}

export function refusalObservation(rule: string): string {
  return (
    `Command refused: \`${rule}\` reads the repository's history, which is not available in this environment. ` +
    'Work from the files in the working tree (you may use git status, git diff and git stash).'
  );
}
