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
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The row's install_config wins field by field over the repo spec; the default fills the rest. */
export function resolveTestSpec(task: TaskInstance, repoSpec?: InstallConfig): ResolvedTestSpec {
  const own = task.install_config;
  const pick = <K extends keyof InstallConfig>(k: K): InstallConfig[K] => own?.[k] ?? repoSpec?.[k];
  const testCmd = asList(pick('test_cmd') as string | string[] | undefined).join(' && ');
  const pip = pick('pip_packages');
  return {
    source: own ? 'instance' : repoSpec ? 'repo-spec' : 'default',
    preInstall: asList(pick('pre_install') as string | string[] | undefined),
    install: asList(pick('install') as string | string[] | undefined),
    pipPackages: typeof pip === 'string' ? pip.split(/\s+/).filter(Boolean) : (pip ?? []),
    testCmd: testCmd || DEFAULT_TEST_CMD,
    env: { ...(repoSpec?.env ?? {}), ...(own?.env ?? {}) },
  };
}

const shellQuote = (s: string) => (/^[\w./=:@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The full test command line: the spec's command followed by the test files of test_patch. */
export function testCommandLine(task: TaskInstance, spec: ResolvedTestSpec): string {
  const files = testDirectives(task.test_patch);
  return [spec.testCmd, ...files.map(shellQuote)].join(' ');
}

export { shellQuote };
