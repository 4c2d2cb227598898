// Which grader a row gets, and grading a recorded test log with it. Rows of repositories the maintained
// `swebench` package knows (repo + version in its specs and MAP_REPO_TO_PARSER: Django's unittest runner, sympy's
// bin/test, the pytest variants) are graded by the package itself, through infra/pybridge; every other row (the
// bundled suite, user repositories) by our pytest parser. The choice is made per row at import and stored.
import { gradeTests, type Grade, type GradeOptions } from '../../core/grading.ts';
import { parsePytestLog } from '../../core/pytestLog.ts';
import type { TaskInstance } from '../../core/task.ts';
import { harnessGrade, knownToHarness, type BridgeInstance, type HarnessReport } from '../../infra/pybridge/index.ts';

export type GraderName = 'swebench' | 'pytest';

export interface LogVerdict {
  grader: GraderName;
  resolved: boolean;
  failToPass: { passed: string[]; failed: string[] };
  passToPass: { passed: string[]; failed: string[] };
  /** The package's own report for the instance (swebench grader only), as report.json holds it. */
  harnessReport?: HarnessReport;
}

export function graderOf(task: Pick<TaskInstance, 'grader'>): GraderName {
  return task.grader ?? 'pytest';
}

/** Sets `grader` on rows that do not name one: 'swebench' where the package knows repo + version. */
export async function assignGraders<T extends TaskInstance>(tasks: T[]): Promise<T[]> {
  const open = tasks.filter((t) => !t.grader);
  const known = await knownToHarness(
    open.map((t) => ({ repo: t.repo, ...(typeof t.log_parser === 'string' ? { log_parser: t.log_parser } : {}) })),
  );
  open.forEach((t, i) => (t.grader = known[i] ? 'swebench' : 'pytest'));
  return tasks;
}

export function bridgeInstance(task: TaskInstance, sourceId?: string): BridgeInstance {
  return {
    instance_id: sourceId ?? task.instance_id,
    repo: task.repo,
    version: task.version,
    base_commit: task.base_commit,
    test_patch: task.test_patch,
    FAIL_TO_PASS: task.FAIL_TO_PASS,
    PASS_TO_PASS: task.PASS_TO_PASS,
    ...(typeof task.log_parser === 'string' ? { log_parser: task.log_parser } : {}),
    ...(typeof task.eval_script === 'string' ? { eval_script: task.eval_script } : {}),
    ...(typeof task.eval_type === 'string' ? { eval_type: task.eval_type } : {}),
  };
}

const fromReport = (r: HarnessReport): Pick<LogVerdict, 'failToPass' | 'passToPass'> => {
  const s = r.tests_status ?? {};
  const pick = (k: string) => ({ passed: s[k]?.success ?? [], failed: s[k]?.failure ?? [] });
  return { failToPass: pick('FAIL_TO_PASS'), passToPass: pick('PASS_TO_PASS') };
};

/** Our own grading of a log (pytest rows): the parser of core/pytestLog.ts and the rule of core/grading.ts. */
export function gradeWithOurs(task: TaskInstance, log: string, o: GradeOptions = {}): Grade {
  return gradeTests({ failToPass: task.FAIL_TO_PASS, passToPass: task.PASS_TO_PASS }, parsePytestLog(log).tests, o);
}

/**
 * Grades full test logs (the harness's test_output.txt for swebench rows), each with its row's grader. Swebench
 * rows go to the package in one call. `modelPatch` null reads as the harness's "patch is None".
 */
export async function gradeLogs(
  items: { task: TaskInstance; log: string; modelPatch?: string | null; sourceId?: string }[],
  o: GradeOptions = {},
): Promise<LogVerdict[]> {
  const out: LogVerdict[] = new Array(items.length);
  const viaPackage: number[] = [];
  items.forEach((it, i) => {
    if (graderOf(it.task) === 'swebench') viaPackage.push(i);
    else {
      const g = gradeWithOurs(it.task, it.log, o);
      out[i] = { grader: 'pytest', resolved: g.resolved, failToPass: g.failToPass, passToPass: g.passToPass };
    }
  });
  const reports = await harnessGrade(
    viaPackage.map((i) => ({
      instance: bridgeInstance(items[i]!.task, items[i]!.sourceId),
      log: items[i]!.log,
      model_patch: items[i]!.modelPatch === undefined ? '' : items[i]!.modelPatch!,
    })),
  );
  viaPackage.forEach((i, k) => {
    const r = reports[k]!;
    out[i] = { grader: 'swebench', resolved: r.resolved, ...fromReport(r), harnessReport: r };
  });
  return out;
}
