// SWE-bench's rule: a patch resolves a task iff every FAIL_TO_PASS and every PASS_TO_PASS test passes.
// PASSED and XFAIL pass (as in SWE-bench); FAILED, ERROR and a test missing from the log fail.
// SKIPPED and XPASS: SWE-bench counts them neither way, so a patch that makes the listed tests skip itself
// (a conftest edit) resolves there. For training that is a reward hack, so by default they fail here;
// `nonPassing: 'ignore'` reproduces SWE-bench's counting exactly.
import type { TestStatus } from './pytestLog.ts';

export type TestVerdict = 'passed' | 'failed' | 'ignored';

export interface GradeOptions {
  /**
   * What SKIPPED / XPASS count as. Default 'fail'. 'ignore': neither way (older SWE-bench releases).
   * 'swebench': the current package's rule (swebench.harness.grading): a SKIPPED FAIL_TO_PASS test fails, a
   * SKIPPED PASS_TO_PASS test passes ("maintained"), XPASS counts neither way; checked by the parity test.
   */
  nonPassing?: 'fail' | 'ignore' | 'swebench';
}

type ListKind = 'failToPass' | 'passToPass';

export interface Grade {
  resolved: boolean;
  failToPass: { passed: string[]; failed: string[] };
  passToPass: { passed: string[]; failed: string[] };
  /** Listed tests that counted neither way (only with nonPassing: 'ignore'). */
  ignored: string[];
}

function verdictOf(status: TestStatus | undefined, o: GradeOptions, kind: ListKind): TestVerdict {
  if (status === 'PASSED' || status === 'XFAIL') return 'passed';
  if (o.nonPassing === 'swebench') {
    if (status === 'XPASS') return 'ignored';
    if (status === 'SKIPPED') return kind === 'passToPass' ? 'passed' : 'failed';
    return 'failed';
  }
  if ((status === 'SKIPPED' || status === 'XPASS') && o.nonPassing === 'ignore') return 'ignored';
  return 'failed';
}

/**
 * Older SWE-bench log parsers split lines on white space, so published datasets carry ids cut at the first
 * space (`t.py::test_x[a,` for `t.py::test_x[a, b]`). Such an id stands for every parsed id it is the first
 * word of, and passes only if every one of them passed.
 */
export function lookupTest(
  id: string,
  tests: Readonly<Record<string, TestStatus>>,
  o: GradeOptions = {},
  kind: ListKind = 'failToPass',
): TestVerdict {
  if (id in tests) return verdictOf(tests[id], o, kind);
  const prefix = `${id} `;
  const stands = Object.keys(tests).filter((full) => full.startsWith(prefix) && !id.includes(' '));
  if (!stands.length) return 'failed';
  const verdicts = stands.map((full) => verdictOf(tests[full], o, kind));
  if (verdicts.includes('failed')) return 'failed';
  return verdicts.every((v) => v === 'passed') ? 'passed' : 'ignored';
}

export function gradeTests(
  lists: { failToPass: readonly string[]; passToPass: readonly string[] },
  tests: Readonly<Record<string, TestStatus>>,
  o: GradeOptions = {},
): Grade {
  const ignored: string[] = [];
  const split = (ids: readonly string[], kind: ListKind) => {
    const out = { passed: [] as string[], failed: [] as string[] };
    for (const id of ids) {
      const v = lookupTest(id, tests, o, kind);
      if (v === 'ignored') ignored.push(id);
      else out[v].push(id);
    }
    return out;
  };
  const failToPass = split(lists.failToPass, 'failToPass');
  const passToPass = split(lists.passToPass, 'passToPass');
  return {
    resolved: failToPass.failed.length === 0 && passToPass.failed.length === 0,
    failToPass,
    passToPass,
    ignored,
  };
}
