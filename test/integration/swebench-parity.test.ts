// Grading parity with the SWE-bench harness on recorded test logs, one instance per log-parser family
// (Django's unittest runner in both id shapes, sympy's bin/test, pytest plain / with options / v2 with ANSI,
// matplotlib, seaborn): the package's own get_eval_report (through infra/pybridge, the trainer venv) against our
// harness's route for the same row, and, where the log is pytest's, our own parser and rule as well.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTaskJsonl, type TaskInstance } from '../../core/task.ts';
import { assignGraders, bridgeInstance, gradeLogs, gradeWithOurs } from '../../activities/harness/grader.ts';
import { harnessGrade } from '../../infra/pybridge/index.ts';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'swebench-logs');
const PYTEST_FAMILY = new Set([
  'astropy/astropy',
  'psf/requests',
  'matplotlib/matplotlib',
  'mwaskom/seaborn',
  'pallets/flask',
  'sphinx-doc/sphinx',
]);

const rows = parseTaskJsonl(readFileSync(join(DIR, 'instances.jsonl'), 'utf8'));
const tasks: TaskInstance[] = rows.tasks.map((r) => r.task);
const cases = tasks.flatMap((task) =>
  (['gold', 'fail'] as const).map((variant) => ({
    task,
    variant,
    log: readFileSync(join(DIR, `${task.instance_id}.${variant}.txt`), 'utf8'),
  })),
);

describe('grading parity with the swebench package on recorded logs', () => {
  let reference: boolean[];
  beforeAll(async () => {
    expect(rows.errors).toEqual([]);
    await assignGraders(tasks);
    const reports = await harnessGrade(
      cases.map((c) => ({ instance: bridgeInstance(c.task), log: c.log, model_patch: 'diff' })),
    );
    reference = reports.map((r) => r.resolved);
  }, 120_000);

  it('the package itself: every gold log resolves, every failing log does not', () => {
    expect(cases.map((c, i) => [c.task.instance_id, c.variant, reference[i]])).toEqual(
      cases.map((c) => [c.task.instance_id, c.variant, c.variant === 'gold']),
    );
  });

  it('every fixture repository is known to the package, so its rows are graded by it', () => {
    expect(tasks.map((t) => [t.instance_id, t.grader])).toEqual(tasks.map((t) => [t.instance_id, 'swebench']));
  });

  it("our harness's route gives the package's verdict on every log, with its FAIL_TO_PASS split", async () => {
    const ours = await gradeLogs(cases.map((c) => ({ task: c.task, log: c.log, modelPatch: 'diff' })));
    expect(ours.map((v) => v.resolved)).toEqual(reference);
    const fail = ours[cases.findIndex((c) => c.task.instance_id === 'django__django-11099' && c.variant === 'fail')]!;
    expect(fail.failToPass.failed).toEqual(cases[0]!.task.FAIL_TO_PASS);
  });

  it('our own pytest parser and rule agree with the package on every pytest-family log', () => {
    const pytestCases = cases.map((c, i) => ({ ...c, i })).filter((c) => PYTEST_FAMILY.has(c.task.repo));
    expect(pytestCases.length).toBe(12);
    const ours = pytestCases.map((c) => gradeWithOurs(c.task, c.log, { nonPassing: 'swebench' }).resolved);
    expect(ours).toEqual(pytestCases.map((c) => reference[c.i]));
  });

  it('Django and sympy logs are not pytest logs: our parser alone could not grade them (why rows are routed)', () => {
    const other = cases.filter((c) => !PYTEST_FAMILY.has(c.task.repo) && c.variant === 'gold');
    expect(other.map((c) => gradeWithOurs(c.task, c.log).resolved)).toEqual(other.map(() => false));
  });

  it('rows the package does not know stay on our parser', async () => {
    const mini = { ...tasks[3]!, repo: 'mini/textkit', instance_id: 'mini__textkit-1', grader: undefined };
    await assignGraders([mini]);
    expect(mini.grader).toBe('pytest');
  });
});
