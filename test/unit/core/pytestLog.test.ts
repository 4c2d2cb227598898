// The log parser on real pytest output (pytest 7.2 from the base image and pytest 9 from the host), made by
// running the test files in test/fixtures/pytest-logs/README.md's recipe.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePytestLog, summaryNodeId } from '../../../core/pytestLog.ts';

const log = (name: string) =>
  readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'pytest-logs', name), 'utf8');
const P = 'tests/test_params.py';
const M = 'tests/test_marks.py';

const MIXED_EXPECTED = {
  [`${P}::test_brackets[[0, 10]]`]: 'PASSED',
  [`${P}::test_brackets[[0, 10)]`]: 'PASSED',
  [`${P}::test_brackets[(2.5, inf)]`]: 'PASSED',
  [`${P}::test_brackets[a - b]`]: 'PASSED',
  [`${P}::test_brackets[x]y]`]: 'PASSED',
  [`${P}::test_spaces[one two]`]: 'PASSED',
  [`${P}::test_spaces[s, t]`]: 'FAILED',
  [`${P}::test_dash[ok]`]: 'PASSED',
  [`${P}::test_dash[bad value - with dash]`]: 'FAILED',
  [`${P}::TestThing::test_method`]: 'PASSED',
  [`${P}::TestThing::test_param_method[1]`]: 'PASSED',
  [`${P}::TestThing::test_param_method[2]`]: 'FAILED',
  [`${M}::test_plain`]: 'PASSED',
  [`${M}::test_fails`]: 'FAILED',
  [`${M}::test_skipped`]: 'SKIPPED',
  [`${M}::test_skipif`]: 'SKIPPED',
  [`${M}::test_xfail`]: 'XFAIL',
  [`${M}::test_xpass`]: 'XPASS',
  [`${M}::test_xpass_strict`]: 'FAILED',
  // passed its call, failed its teardown: the failure wins
  [`${M}::test_teardown_error`]: 'ERROR',
  [`${M}::test_setup_error`]: 'ERROR',
};

describe('parsePytestLog on real logs', () => {
  it('pytest 7 -rA -v: parametrised ids with spaces, brackets and " - ", classes, marks, setup/teardown errors', () => {
    const r = parsePytestLog(log('pytest7-mixed.txt'));
    expect(r.tests).toEqual(MIXED_EXPECTED);
    expect(r.summarySeen).toBe(true);
    expect(r.finished).toBe(true);
    expect(r.collectionErrors).toEqual([]);
  });

  it('pytest 9 -rA -v gives the same statuses (its XPASS / FAILED lines carry " - reason")', () => {
    expect(parsePytestLog(log('pytest9-mixed.txt')).tests).toEqual(MIXED_EXPECTED);
  });

  it('a test printing a fake result line in its captured output cannot pose as a result', () => {
    const r = parsePytestLog(log('pytest7-mixed.txt'));
    expect(log('pytest7-mixed.txt')).toContain('PASSED tests/test_marks.py::test_spoofed');
    expect(r.tests).not.toHaveProperty(`${M}::test_spoofed`);
  });

  it('-rA without -v: ids come from the summary alone (skips name no test, so they are absent)', () => {
    const r = parsePytestLog(log('pytest7-rA-only.txt'));
    const expected: Record<string, string> = { ...MIXED_EXPECTED };
    delete expected[`${M}::test_skipped`];
    delete expected[`${M}::test_skipif`];
    expect(r.tests).toEqual(expected);
  });

  it('a collection error names the file and runs nothing', () => {
    const r = parsePytestLog(log('pytest7-collection-error.txt'));
    expect(r.collectionErrors).toEqual(['tests/test_zz_broken.py']);
    expect(r.tests).toEqual({ 'tests/test_zz_broken.py': 'ERROR' });
    expect(r.finished).toBe(true);
  });

  it('a crash mid-run keeps the tests that finished and leaves out the one that crashed and those after', () => {
    const r = parsePytestLog(log('pytest7-crash.txt'));
    expect(r.tests).toEqual({ 'tests/test_crash.py::test_before_crash': 'PASSED' });
    expect(r.finished).toBe(false);
    expect(r.summarySeen).toBe(false);
  });

  it('a run killed by a timeout keeps what finished', () => {
    const r = parsePytestLog(log('pytest7-timeout.txt'));
    expect(r.tests).toEqual({ 'tests/test_hang.py::test_quick': 'PASSED' });
    expect(r.finished).toBe(false);
  });

  it('strips colour codes and CRLF line ends', () => {
    const r = parsePytestLog(
      '\x1b[1m=== test session starts ===\x1b[0m\r\nt.py::test_a \x1b[32mPASSED\x1b[0m [100%]\r\n' +
        '=== short test summary info ===\r\n\x1b[32mPASSED\x1b[0m t.py::test_a\r\n\x1b[32m=== 1 passed in 0.01s ===\x1b[0m\r\n',
    );
    expect(r.tests).toEqual({ 't.py::test_a': 'PASSED' });
    expect(r.finished).toBe(true);
  });

  it('reads pytest-xdist progress lines', () => {
    const r = parsePytestLog('[gw0] [ 50%] PASSED t.py::test_a[x y]\n[gw1] [100%] FAILED t.py::test_b \n');
    expect(r.tests).toEqual({ 't.py::test_a[x y]': 'PASSED', 't.py::test_b': 'FAILED' });
  });
});

describe('summaryNodeId without -v lines to lean on', () => {
  it('ends a parametrised id at the "]" before " - "', () => {
    expect(summaryNodeId('FAILED', 't.py::test_x[a, b] - assert [1] - 2')).toBe('t.py::test_x[a, b]');
    expect(summaryNodeId('PASSED', 't.py::test_x[a - b]')).toBe('t.py::test_x[a - b]');
    expect(summaryNodeId('FAILED', 't.py::test_x[[0, 10)] - boom')).toBe('t.py::test_x[[0, 10)]');
  });
  it("pytest 7's XPASS line: id, a space, the reason", () => {
    expect(summaryNodeId('XPASS', 't.py::test_x[a b] fixed already')).toBe('t.py::test_x[a b]');
    expect(summaryNodeId('XPASS', 't.py::test_y fixed already')).toBe('t.py::test_y');
  });
  it('prefers an id that a -v line reported', () => {
    const known = new Set(['t.py::test_x[a] - b]']);
    expect(summaryNodeId('FAILED', 't.py::test_x[a] - b] - msg', known)).toBe('t.py::test_x[a] - b]');
  });
});

describe('a test that passed its call and errored in teardown', () => {
  // pytest -rA prints PASSED for the call and ERROR for the teardown of the same id; -v prints both on progress
  // lines. Whichever comes first, ERROR outranks PASSED, so such a test never counts as passing.
  const T = 't.py::test_x';
  it('the summary lists it PASSED then ERROR, or ERROR then PASSED', () => {
    const head = '============ test session starts ============\n';
    const summary = (a: string, b: string) =>
      `${head}========= short test summary info =========\n${a} ${T}\n${b} ${T} - RuntimeError: teardown\n`;
    expect(parsePytestLog(summary('PASSED', 'ERROR')).tests[T]).toBe('ERROR');
    expect(parsePytestLog(summary('ERROR', 'PASSED')).tests[T]).toBe('ERROR');
  });
  it('the -v lines say PASSED then ERROR', () => {
    const r = parsePytestLog(`============ test session starts ============\n${T} PASSED [ 50%]\n${T} ERROR [ 50%]\n`);
    expect(r.tests[T]).toBe('ERROR');
  });
});
