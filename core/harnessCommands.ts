// The test command of a row the swebench package grades but that brings neither an eval script nor a test_cmd
// (SWE-bench exports older than swebench 5, where these lived in the package's per-repository specs). Facts from
// the harness's conventions: Django runs its own runner over test modules (`tests/auth_tests/test_x.py` becomes
// `auth_tests.test_x`), sympy its bin/test over files, everything else pytest -rA over the test files. Pure.
import type { TaskInstance } from './task.ts';
import { resolveTestSpec, testDirectives, type ResolvedTestSpec } from './testSpec.ts';

export const DJANGO_TEST_CMD = './tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1';
export const SYMPY_TEST_CMD = 'PYTHONWARNINGS=ignore::UserWarning,ignore::SyntaxWarning bin/test -C --verbose';
export const HARNESS_PYTEST_CMD = 'pytest --no-header -rA --tb=no -p no:cacheprovider';

/** Django's runner takes dotted module names relative to tests/, not file paths. */
export function djangoModules(testPatch: string): string[] {
  return testDirectives(testPatch)
    .filter((f) => f.endsWith('.py'))
    .map((f) =>
      f
        .replace(/^tests\//, '')
        .replace(/\.py$/, '')
        .replace(/\//g, '.'),
    );
}

/** The row's own install_config wins; otherwise the harness's command for the repository. */
export function harnessTestSpec(task: TaskInstance): ResolvedTestSpec {
  const spec = resolveTestSpec(task);
  if (spec.source !== 'default' || task.grader !== 'swebench') return spec;
  if (task.repo === 'django/django') {
    return { ...spec, testCmd: [DJANGO_TEST_CMD, ...djangoModules(task.test_patch)].join(' '), appendTestFiles: false };
  }
  if (task.repo === 'sympy/sympy') return { ...spec, testCmd: SYMPY_TEST_CMD };
  return { ...spec, testCmd: HARNESS_PYTEST_CMD };
}
