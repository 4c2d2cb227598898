// SWE-bench's rule, checked by hand-made examples, including ids cut at the first space.
import { describe, expect, it } from 'vitest';
import { gradeTests, lookupTest } from '../../../core/grading.ts';
import type { TestStatus } from '../../../core/pytestLog.ts';

const tests: Record<string, TestStatus> = {
  't.py::test_a': 'PASSED',
  't.py::test_b': 'FAILED',
  't.py::test_x[a, b]': 'PASSED',
  't.py::test_x[a, c]': 'PASSED',
  't.py::test_y[p q]': 'PASSED',
  't.py::test_y[p r]': 'FAILED',
  't.py::test_xf': 'XFAIL',
  't.py::test_skip': 'SKIPPED',
  't.py::test_xp': 'XPASS',
  't.py::test_err': 'ERROR',
};

describe('lookupTest', () => {
  it('an exact id takes its own status; PASSED and XFAIL pass; FAILED, ERROR and missing fail', () => {
    expect(lookupTest('t.py::test_a', tests)).toBe('passed');
    expect(lookupTest('t.py::test_xf', tests)).toBe('passed');
    expect(lookupTest('t.py::test_b', tests)).toBe('failed');
    expect(lookupTest('t.py::test_err', tests)).toBe('failed');
    expect(lookupTest('t.py::test_gone', tests)).toBe('failed');
  });

  it('a cut id passes only if every full id it could stand for passed', () => {
    expect(lookupTest('t.py::test_x[a,', tests)).toBe('passed');
    expect(lookupTest('t.py::test_y[p', tests)).toBe('failed');
    // no full id starts with it: missing, so failed
    expect(lookupTest('t.py::test_z[a,', tests)).toBe('failed');
    // a prefix that is not followed by a space in the full id is not a cut of it
    expect(lookupTest('t.py::test_x[a', tests)).toBe('failed');
  });

  it('SKIPPED and XPASS fail by default and count neither way with nonPassing: ignore (SWE-bench)', () => {
    expect(lookupTest('t.py::test_skip', tests)).toBe('failed');
    expect(lookupTest('t.py::test_xp', tests)).toBe('failed');
    expect(lookupTest('t.py::test_skip', tests, { nonPassing: 'ignore' })).toBe('ignored');
    expect(lookupTest('t.py::test_xp', tests, { nonPassing: 'ignore' })).toBe('ignored');
  });
});

describe('gradeTests', () => {
  it('resolved iff every FAIL_TO_PASS and PASS_TO_PASS passes', () => {
    const g = gradeTests({ failToPass: ['t.py::test_a', 't.py::test_x[a,'], passToPass: ['t.py::test_xf'] }, tests);
    expect(g).toEqual({
      resolved: true,
      failToPass: { passed: ['t.py::test_a', 't.py::test_x[a,'], failed: [] },
      passToPass: { passed: ['t.py::test_xf'], failed: [] },
      ignored: [],
    });
  });

  it('one failing PASS_TO_PASS test is enough to be unresolved', () => {
    const g = gradeTests({ failToPass: ['t.py::test_a'], passToPass: ['t.py::test_xf', 't.py::test_y[p'] }, tests);
    expect(g.resolved).toBe(false);
    expect(g.passToPass.failed).toEqual(['t.py::test_y[p']);
  });

  it('a FAIL_TO_PASS test missing from the log (crash, collection error) is a failure', () => {
    expect(gradeTests({ failToPass: ['t.py::test_new'], passToPass: [] }, tests).resolved).toBe(false);
    expect(gradeTests({ failToPass: ['t.py::test_a'], passToPass: [] }, {}).resolved).toBe(false);
  });

  it('a patch that makes the graded tests skip does not resolve (unless SWE-bench counting is asked for)', () => {
    const lists = { failToPass: ['t.py::test_skip'], passToPass: ['t.py::test_a'] };
    expect(gradeTests(lists, tests).resolved).toBe(false);
    const swe = gradeTests(lists, tests, { nonPassing: 'ignore' });
    expect(swe.resolved).toBe(true);
    expect(swe.ignored).toEqual(['t.py::test_skip']);
  });
});
