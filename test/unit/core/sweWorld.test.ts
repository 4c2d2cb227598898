// SWE-World as a simulator (issue 14): what it reads, that its reward IS the harness's grading of its report,
// the split by task, and the held-out metrics on a hand-computed example.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gradeTests } from '../../../core/grading.ts';
import {
  parseReport,
  patchedHunks,
  renderReport,
  simulateReport,
  sweWorldTexts,
  SWE_WORLD_TEST_QUESTION,
  testSources,
} from '../../../core/sweWorld.ts';
import { asLog, gradeRecord, recordListedTests, unchangedRepoRecord } from '../../../core/testStatuses.ts';
import { heldOutMetrics, splitByTask, type HeldOutItem } from '../../../core/verifierMetrics.ts';
import { MARKERS_PATCH, MARKERS_PLAIN } from '../../fixtures/trickyDiffs.ts';

const task = readFileSync('tasks/mini/tasks.jsonl', 'utf8')
  .split('\n')
  .map((l) => (l ? JSON.parse(l) : null))
  .find((t) => t?.instance_id === 'mini__textkit-3');
const lists = {
  failToPass: JSON.parse(task.FAIL_TO_PASS) as string[],
  passToPass: JSON.parse(task.PASS_TO_PASS) as string[],
};
const kase = { problemStatement: task.problem_statement, patch: task.patch, testPatch: task.test_patch, ...lists };

describe('what the simulator reads', () => {
  it('one text per listed test: the issue, the patch, the modified file around the hunk, the test and its source', () => {
    const texts = sweWorldTexts(kase);
    expect(texts.map((t) => t.testId)).toEqual([...lists.failToPass, ...lists.passToPass]);
    const first = texts[0]!.text;
    expect(first).toContain('slugify with max_length');
    expect(first).toContain('### textkit/slug.py (lines 23-27, after the patch)');
    expect(first).toContain('        slug = slug[:max_length].rstrip(sep)\n    return slug');
    expect(first).toContain('## Test to run (FAIL_TO_PASS)\n' + lists.failToPass[0]);
    // The parametrised test's source, decorator included, comes from the test patch.
    expect(first).toContain('@pytest.mark.parametrize(');
    expect(first).toContain('def test_max_length_never_ends_with_separator(text, max_length, expected):');
    expect(first.endsWith(SWE_WORLD_TEST_QUESTION)).toBe(true);
    // A PASS_TO_PASS test the test patch does not touch says where it lives instead.
    expect(texts.find((t) => t.testId === 'tests/test_slug.py::test_basic')!.text).toMatch(
      /\(defined in tests\/test_slug\.py; the test patch does not change it\)/,
    );
  });

  it('finds test sources and post-patch hunks', () => {
    const src = testSources(task.test_patch);
    expect([...src.keys()]).toEqual([
      'tests/test_slug.py::test_max_length_never_ends_with_separator',
      'tests/test_slug.py::test_max_length_with_custom_separator',
    ]);
    expect(src.get('tests/test_slug.py::test_max_length_with_custom_separator')).toBe(
      'def test_max_length_with_custom_separator():\n    assert slugify("ab cd", sep="_", max_length=3) == "ab"',
    );
    expect(patchedHunks(task.patch)).toEqual([expect.objectContaining({ path: 'textkit/slug.py', start: 23 })]);
  });
});

describe('patchedHunks', () => {
  it('keeps `+++ x` content lines, drops `--- x` ones, and finds the next file without `diff --git` lines', () => {
    const want = [
      { path: 'notes.txt', start: 1, after: ['a', '++ x', 'b'] },
      { path: 'notes.txt', start: 20, after: ['s', 't', '++ y', 'u'] },
    ];
    expect(patchedHunks(MARKERS_PATCH)).toEqual(want);
    expect(patchedHunks(MARKERS_PLAIN)).toEqual(want);
  });
});

describe('the reward comes from the harness grading function', () => {
  it('simulateReport grades its per-test statuses with gradeTests, and its score agrees with the reward', () => {
    const p: Record<string, number> = {};
    [...lists.failToPass, ...lists.passToPass].forEach((id) => (p[id] = 0.9));
    const all = simulateReport(lists, p);
    expect(all.reward).toBe(1);
    expect(all.grade).toEqual(gradeTests(lists, asLog(all.tests)));
    p[lists.passToPass[2]!] = 0.4; // one PASS_TO_PASS test predicted to break
    const one = simulateReport(lists, p);
    expect(one.tests[lists.passToPass[2]!]).toBe('FAILED');
    expect(one.grade).toEqual(gradeTests(lists, asLog(one.tests)));
    expect(one.grade.passToPass.failed).toEqual([lists.passToPass[2]]);
    expect(one.reward).toBe(0);
    expect(one.score).toBeCloseTo(0.4);
    for (const r of [all, one]) expect(r.score > 0.5).toBe(r.reward === 1);
  });

  it('a written report round-trips, and a test it leaves out counts as failed, as in the harness', () => {
    const rec = unchangedRepoRecord(lists);
    const text = renderReport(lists, rec);
    expect(text.endsWith('REWARD: 0')).toBe(true);
    expect(parseReport(lists, text)).toEqual(rec);
    const partial = parseReport(lists, `${lists.failToPass[0]} PASSED\nREWARD: 1`);
    expect(partial[lists.failToPass[1]!]).toBe('MISSING');
    expect(gradeRecord(lists, partial).resolved).toBe(false);
  });

  it('records the listed tests from a parsed log, cut ids included', () => {
    const rec = recordListedTests(
      { failToPass: ['t.py::a[x,'], passToPass: ['t.py::b', 't.py::c'] },
      { 't.py::a[x, y]': 'PASSED', 't.py::b': 'FAILED' },
    );
    expect(rec).toEqual({ 't.py::a[x,': 'PASSED', 't.py::b': 'FAILED', 't.py::c': 'MISSING' });
  });
});

describe('held-out split by task', () => {
  const rollouts = Array.from({ length: 40 }, (_, i) => `task-${i % 10}`);
  it('never puts two rollouts of one task on different sides, and is reproducible', () => {
    const s = splitByTask(rollouts, 0.25, 'run-a');
    expect(s.heldOut).toHaveLength(3); // round(0.25 * 10)
    expect(s.train).toHaveLength(7);
    expect(s.train.filter((t) => s.heldOut.includes(t))).toEqual([]);
    expect(splitByTask([...rollouts].reverse(), 0.25, 'run-a')).toEqual(s);
    expect(splitByTask(rollouts, 0.25, 'run-b').heldOut).not.toEqual(s.heldOut);
  });
  it('holds out at least one and at most n - 1 tasks; nothing at fraction 0', () => {
    expect(splitByTask(['a', 'b'], 0.01, 'r').heldOut).toHaveLength(1);
    expect(splitByTask(['a', 'b'], 0.9, 'r').train).toHaveLength(1);
    expect(splitByTask(['a', 'b'], 0, 'r')).toEqual({ train: ['a', 'b'], heldOut: [] });
  });
});

describe('heldOutMetrics', () => {
  it('matches a hand-computed example', () => {
    const items: HeldOutItem[] = [
      {
        taskId: 'a',
        resolved: true,
        predicted: 1,
        score: 0.9,
        tests: { actual: { x: true, y: true }, predicted: { x: true, y: true } },
      },
      {
        taskId: 'a',
        resolved: false,
        predicted: 1,
        score: 0.7,
        tests: { actual: { x: false, y: true }, predicted: { x: true, y: true } },
      },
      {
        taskId: 'b',
        resolved: true,
        predicted: 0,
        score: 0.3,
        tests: { actual: { x: true }, predicted: { x: false } },
      },
      {
        taskId: 'b',
        resolved: false,
        predicted: 0,
        score: 0.1,
        tests: { actual: { x: false }, predicted: { x: false } },
      },
    ];
    const m = heldOutMetrics(items);
    expect(m).toMatchObject({ n: 4, tasks: 2, positives: 2, rewardAccuracy: 0.5, precision: 0.5, recall: 0.5 });
    expect(m.testStatusAccuracy).toBeCloseTo(4 / 6); // 6 test verdicts, 2 wrong
    expect(m.testsN).toBe(6);
    // Brier: (0.1^2 + 0.7^2 + 0.7^2 + 0.1^2) / 4
    expect(m.calibration.brier).toBeCloseTo((0.01 + 0.49 + 0.49 + 0.01) / 4);
    expect(m.calibration.bins.reduce((s, b) => s + b.n, 0)).toBe(4);
  });
  it('an ORM (no per-test predictions) has no test status accuracy', () => {
    expect(heldOutMetrics([{ taskId: 'a', resolved: true, predicted: 1, score: 0.8 }]).testStatusAccuracy).toBeNull();
  });
});
