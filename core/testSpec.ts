// How a task is installed and tested: the row's install_config, else the repository's spec file, else the
// SWE-bench default (pytest -rA over the files test_patch touches). Pure: the caller reads spec files.
import type { InstallConfig, TaskInstance } from './task.ts';

/** SWE-bench drops these from the test directives: they are data a test patch adds, not tests to run. */
const NON_TEST_EXTS = ['.json', '.png', 'csv', '.txt', '.md', '.jpg', '.jpeg', '.pkl', '.yml', '.yaml', '.toml'];

/**
 * -rA prints the summary the parser reads; -v also prints one line per finished test, so a run that crashes or
 * times out before the summary still yields statuses for the tests that did finish.
 */
export const DEFAULT_TEST_CMD = 'pytest -rA -v --tb=short -p no:cacheprovider';

export interface DiffFile {
  path: string;
  /** The file exists at base_commit (false when the patch creates it). */
  existedBefore: boolean;
  /** The file exists after the patch (false when the patch deletes it). */
  existsAfter: boolean;
}

function unquote(p: string): string {
  return p.startsWith('"') && p.endsWith('"') ? JSON.parse(p) : p;
}

/** The files a unified git diff touches, in order, with whether each is created or deleted. */
export function diffFiles(patch: string): DiffFile[] {
  const files: DiffFile[] = [];
  let cur: DiffFile | undefined;
  for (const line of patch.split('\n')) {
    const head = /^diff --git (?:"?a\/.*?"?) ("?b\/.*"?)$/.exec(line);
    if (head) {
      const b = unquote(head[1]!);
      cur = { path: b.slice(2), existedBefore: true, existsAfter: true };
      files.push(cur);
    } else if (cur && line.startsWith('new file mode')) cur.existedBefore = false;
    else if (cur && line.startsWith('deleted file mode')) cur.existsAfter = false;
  }
  return files;
}

/** The test files SWE-bench would pass to pytest for this test_patch. */
export function testDirectives(testPatch: string): string[] {
  return diffFiles(testPatch)
    .filter((f) => f.existsAfter && !NON_TEST_EXTS.some((ext) => f.path.endsWith(ext)))
    .map((f) => f.path);
}

export type InstallSource = 'instance' | 'repo-spec' | 'default';

export interface ResolvedTestSpec {
  source: InstallSource;
  preInstall: string[];
  install: string[];
  pipPackages: string[];
  testCmd: string;
  env: Record<string, string>;
  /** false: the command is complete (Harbor's tests/test.sh, a full command); nothing is appended. Absent: append
   * (kept absent, not `true`, so the build keys of existing task images do not change). */
  appendTestFiles?: false;
}

/** null, '' and whitespace-only entries are no steps (SWE-rebench rows carry `"install": ""`): never a bare RUN. */
const asList = (v: string | string[] | null | undefined): string[] =>
  (v == null ? [] : Array.isArray(v) ? v : [v]).filter((s) => typeof s === 'string' && s.trim() !== '');

/** The row's install_config wins field by field over the repo spec; the default fills the rest. */
export function resolveTestSpec(task: TaskInstance, repoSpec?: InstallConfig): ResolvedTestSpec {
  const own = task.install_config;
  const pick = <K extends keyof InstallConfig>(k: K): InstallConfig[K] => own?.[k] ?? repoSpec?.[k];
  const testCmd = asList(pick('test_cmd') as string | string[] | undefined).join(' && ');
  const pip = pick('pip_packages');
  const append = pick('append_test_files');
  return {
    source: own ? 'instance' : repoSpec ? 'repo-spec' : 'default',
    preInstall: asList(pick('pre_install') as string | string[] | undefined),
    install: asList(pick('install') as string | string[] | undefined),
    pipPackages: typeof pip === 'string' ? pip.split(/\s+/).filter(Boolean) : asList(pip),
    testCmd: testCmd || DEFAULT_TEST_CMD,
    env: { ...(repoSpec?.env ?? {}), ...(own?.env ?? {}) },
    ...(append === false ? { appendTestFiles: false as const } : {}),
  };
}

const shellQuote = (s: string) => (/^[\w./=:@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The files of test ids (`tests/test_a.py::T::test_x[p]` → `tests/test_a.py`): SWE-smith rows have no test_patch. */
export function testFilesOfIds(ids: readonly string[]): string[] {
  const files = ids.map((id) => id.split('::')[0]!).filter((f) => /\.py$/.test(f));
  return [...new Set(files)];
}

/**
 * Whether the command already runs `file`: a word equal to it (or `file::…`), or a folder holding it (`tests/`,
 * `.`). Appending it again would make pytest run it twice, and order-dependent tests then fail.
 */
export function commandNamesFile(cmd: string, file: string): boolean {
  const words = cmd.split(/[\s;&|()]+/).map((w) => w.replace(/^['"]|['"]$/g, ''));
  return words.some((w) => {
    if (!w || w.startsWith('-')) return false;
    const bare = w.replace(/^\.\//, '').split('::')[0]!;
    if (bare === file || bare === '.') return true;
    return bare.length > 0 && file.startsWith(`${bare.replace(/\/$/, '')}/`);
  });
}

/** The files the test command gets: test_patch's (SWE-bench), else those of the listed tests (SWE-smith). */
export function appendedTestFiles(task: TaskInstance, spec: ResolvedTestSpec): string[] {
  if (spec.appendTestFiles === false) return [];
  const files = task.test_patch.trim()
    ? testDirectives(task.test_patch)
    : testFilesOfIds([...task.FAIL_TO_PASS, ...task.PASS_TO_PASS]);
  return files.filter((f) => !commandNamesFile(spec.testCmd, f));
}

/** The full test command line: the spec's command followed by the test files it does not already name. */
export function testCommandLine(task: TaskInstance, spec: ResolvedTestSpec): string {
  return [spec.testCmd, ...appendedTestFiles(task, spec).map(shellQuote)].join(' ');
}

export { shellQuote };
