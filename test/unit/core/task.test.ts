// Task rows: both list encodings, install_config, errors by line and field, and the test selection.
import { describe, expect, it } from 'vitest';
import { parseTaskJsonl, parseTaskRow } from '../../../core/task.ts';
import {
  diffFiles,
  resolveTestSpec,
  testCommandLine,
  testDirectives,
  DEFAULT_TEST_CMD,
} from '../../../core/testSpec.ts';

const row = (over: Record<string, unknown> = {}) => ({
  instance_id: 'owner__repo-1',
  repo: 'owner/repo',
  base_commit: 'a'.repeat(40),
  patch: '',
  test_patch: 'diff --git a/tests/test_a.py b/tests/test_a.py\n',
  problem_statement: 'it breaks',
  FAIL_TO_PASS: '["tests/test_a.py::test_x[a b]"]',
  PASS_TO_PASS: '[]',
  ...over,
});

describe('parseTaskJsonl', () => {
  it('accepts the lists as JSON-encoded strings (SWE-bench) and as arrays (SWE-Gym)', () => {
    const text = [
      JSON.stringify(row()),
      JSON.stringify(row({ instance_id: 'b-2', FAIL_TO_PASS: ['t::a'], PASS_TO_PASS: ['t::b'] })),
    ].join('\n');
    const { tasks, errors } = parseTaskJsonl(text);
    expect(errors).toEqual([]);
    expect(tasks.map((t) => t.task.FAIL_TO_PASS)).toEqual([['tests/test_a.py::test_x[a b]'], ['t::a']]);
    expect(tasks[1]!.task.PASS_TO_PASS).toEqual(['t::b']);
    expect(tasks.map((t) => t.line)).toEqual([1, 2]);
  });

  it('reports each bad row by line and field and keeps the good ones', () => {
    const text = [
      JSON.stringify(row()),
      '{"instance_id": "broken"',
      JSON.stringify(row({ instance_id: 'x-3', base_commit: 'not-a-sha', FAIL_TO_PASS: 'not json' })),
      '',
      JSON.stringify(row({ instance_id: 'x-5', repo: 'no-slash', FAIL_TO_PASS: '[]' })),
      JSON.stringify(row()),
      '[1, 2]',
      JSON.stringify(row({ instance_id: 'ok-8', version: 3.1, hints_text: null })),
    ].join('\n');
    const { tasks, errors } = parseTaskJsonl(text);
    expect(tasks.map((t) => [t.line, t.task.instance_id])).toEqual([
      [1, 'owner__repo-1'],
      [8, 'ok-8'],
    ]);
    expect(tasks[1]!.task.version).toBe('3.1');
    expect(tasks[1]!.task.hints_text).toBe('');
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [2, '(json)'],
      [3, 'base_commit'],
      [3, 'FAIL_TO_PASS'],
      [5, 'repo'],
      [5, 'FAIL_TO_PASS'],
      [6, 'instance_id'],
      [7, '(row)'],
    ]);
    expect(errors.find((e) => e.line === 6)!.message).toBe('duplicate of line 1');
  });

  it('keeps install_config and extra fields (difficulty) as they are', () => {
    const r = parseTaskRow(
      row({ difficulty: 'hard', install_config: { install: 'pip install -e .', python: '3.9' } }),
      1,
    );
    expect(r.errors).toEqual([]);
    expect(r.task!.install_config).toEqual({ install: 'pip install -e .', python: '3.9' });
    expect(r.task!.difficulty).toBe('hard');
  });
});

describe('test selection', () => {
  const testPatch = [
    'diff --git a/tests/test_a.py b/tests/test_a.py',
    '--- a/tests/test_a.py',
    '+++ b/tests/test_a.py',
    'diff --git a/tests/data/x.json b/tests/data/x.json',
    'new file mode 100644',
    'diff --git a/tests/test_new.py b/tests/test_new.py',
    'new file mode 100644',
    'diff --git a/tests/test_old.py b/tests/test_old.py',
    'deleted file mode 100644',
    'diff --git a/tests/test b.py b/tests/test b.py',
  ].join('\n');

  it('knows which files a diff creates and deletes', () => {
    expect(diffFiles(testPatch).map((f) => [f.path, f.existedBefore, f.existsAfter])).toEqual([
      ['tests/test_a.py', true, true],
      ['tests/data/x.json', false, true],
      ['tests/test_new.py', false, true],
      ['tests/test_old.py', true, false],
      ['tests/test b.py', true, true],
    ]);
  });

  it('runs the test files the test patch touches, as SWE-bench does (no data files, no deleted files)', () => {
    expect(testDirectives(testPatch)).toEqual(['tests/test_a.py', 'tests/test_new.py', 'tests/test b.py']);
    const task = parseTaskRow(row({ test_patch: testPatch }), 1).task!;
    expect(testCommandLine(task, resolveTestSpec(task))).toBe(
      `${DEFAULT_TEST_CMD} tests/test_a.py tests/test_new.py 'tests/test b.py'`,
    );
  });

  it('the row install_config wins field by field over the repo spec, the default fills the rest', () => {
    const task = parseTaskRow(row({ install_config: { test_cmd: 'pytest -x', env: { A: '1' } } }), 1).task!;
    const spec = resolveTestSpec(task, { install: ['pip install -e .'], test_cmd: 'pytest', env: { A: '0', B: '2' } });
    expect(spec).toMatchObject({
      source: 'instance',
      install: ['pip install -e .'],
      testCmd: 'pytest -x',
      env: { A: '1', B: '2' },
    });
    expect(resolveTestSpec(parseTaskRow(row(), 1).task!).testCmd).toBe(DEFAULT_TEST_CMD);
  });
});
