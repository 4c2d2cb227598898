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
const GIT_WORD = /(^|[\s;&|(`'"$={}/])git(?=\s)/g;
const GIT_INTERNALS = /\.git\/(logs|refs|packed-refs|ORIG_HEAD|FETCH_HEAD|objects|rr-cache)\b/;

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

export function checkHistoryAccess(command: string): GuardVerdict {
  const internals = GIT_INTERNALS.exec(command);
  if (internals) return { allowed: false, rule: `.git/${internals[1]}` };
  for (const { sub, args } of gitInvocations(command)) {
    const rule = judge(sub, args);
    if (rule) return { allowed: false, rule };
  }
  return { allowed: true };
}

export function refusalObservation(rule: string): string {
  return (
    `Command refused: \`${rule}\` reads the repository's history, which is not available in this environment. ` +
    'Work from the files in the working tree (you may use git status, git diff and git stash).'
  );
}
