// Run-report parity with the SWE-bench harness: our logs/run_evaluation tree and our counts against the package's
// own make_run_report (through infra/pybridge, the trainer venv) over the same tree and predictions. The tree has
// every case the two could count differently: a resolved and an unresolved patch graded by the package from the
// recorded fixture logs, a patch that does not apply, an infrastructure error, an empty patch, a whitespace-only
// patch, instances without a prediction, a prediction for an id the dataset lacks, and two samples of one instance.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalOutcome } from '../../contracts/rollout.ts';
import type { EvaluationResult } from '../../activities/harness/evaluate.ts';
import { assignGraders, gradeLogs } from '../../activities/harness/grader.ts';
import { instanceLogDir, writeInstanceLogs } from '../../activities/harness/harnessLayout.ts';
import type { Prediction, RunReport } from '../../activities/harness/report.ts';
import { planSampleRuns, sampleReports } from '../../activities/harness/sampleRuns.ts';
import { parseTaskJsonl, type TaskInstance } from '../../core/task.ts';
import { harnessRunReport } from '../../infra/pybridge/index.ts';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'swebench-logs');
const MODEL = 'org/model-x';
const RUN = 'parity-1';
const tasks: TaskInstance[] = parseTaskJsonl(readFileSync(join(DIR, 'instances.jsonl'), 'utf8')).tasks.map(
  (r) => r.task,
);
const byId = new Map(tasks.map((t) => [t.instance_id, t]));
const log = (id: string, v: 'gold' | 'fail') => readFileSync(join(DIR, `${id}.${v}.txt`), 'utf8');

const FLASK = 'pallets__flask-4992';
const DJANGO = 'django__django-11099';
const SYMPY = 'sympy__sympy-20590';
const ASTROPY = 'astropy__astropy-12907';
const REQUESTS = 'psf__requests-2317';
const SEABORN = 'mwaskom__seaborn-3010';
const PATCH = 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n';

const pred = (id: string, patch: string | null): Prediction => ({
  instance_id: id,
  model_name_or_path: MODEL,
  model_patch: patch,
});
// File order as a predictions file has it: flask twice (two samples), the rest once.
const predictions = [
  pred(FLASK, PATCH),
  pred(DJANGO, PATCH),
  pred(SYMPY, PATCH),
  pred(ASTROPY, PATCH),
  pred(REQUESTS, ''),
  pred(SEABORN, '\n'),
  pred('not-in-dataset__x-1', PATCH),
  pred(FLASK, PATCH),
];

const bare = (outcome: EvalOutcome, message: string): EvaluationResult => ({
  outcome,
  message,
  tests: {},
  failToPass: { passed: [], failed: [] },
  passToPass: { passed: [], failed: [] },
  durationMs: 1,
  logTail: '',
});

/** What the harness route returns for a graded log: the package's verdict and its report.json. */
async function graded(id: string, variant: 'gold' | 'fail'): Promise<EvaluationResult> {
  const task = byId.get(id)!;
  const [v] = await gradeLogs([{ task, log: log(id, variant), modelPatch: PATCH }]);
  return {
    ...bare(v!.resolved ? 'resolved' : 'unresolved', variant),
    failToPass: v!.failToPass,
    passToPass: v!.passToPass,
    harnessReport: v!.harnessReport,
    testOutput: log(id, variant),
    grader: 'swebench',
  };
}

const COUNTS = [
  'total_instances',
  'submitted_instances',
  'completed_instances',
  'resolved_instances',
  'unresolved_instances',
  'empty_patch_instances',
  'error_instances',
] as const;
const IDS = [
  'completed_ids',
  'incomplete_ids',
  'empty_patch_ids',
  'submitted_ids',
  'resolved_ids',
  'unresolved_ids',
  'error_ids',
] as const;
const pick = (r: object) => Object.fromEntries([...COUNTS, ...IDS].map((k) => [k, (r as Record<string, unknown>)[k]]));

let root: string;
let ours: RunReport[];
let theirs: { report: Record<string, unknown>; package_version: string }[];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'run-report-'));
  await assignGraders(tasks);
  const plan = planSampleRuns(RUN, predictions, (id) => byId.has(id));
  // Sample 0 of flask resolves (gold log), sample 1 does not (failing log): distinct samples, distinct verdicts.
  const results: Record<string, () => Promise<EvaluationResult>> = {
    [`0:${FLASK}`]: () => graded(FLASK, 'gold'),
    [`1:${FLASK}`]: () => graded(FLASK, 'fail'),
    [`0:${DJANGO}`]: () => graded(DJANGO, 'fail'),
    [`0:${SYMPY}`]: async () => bare('patch_failed', 'patch does not apply (git apply, patch --fuzz=5)'),
    [`0:${ASTROPY}`]: async () =>
      bare(
        'infra_error',
        '(HTTP code 500) server error - Error response from daemon: failed to create task for container',
      ),
    [`0:${SEABORN}`]: async () => bare('patch_failed', 'patch does not apply: only garbage in the patch input'),
  };
  const outcomes: Record<string, EvalOutcome>[] = plan.runs.map(() => ({}));
  for (const { prediction: p, slot } of plan.items) {
    const result = await results[`${slot}:${p.instance_id}`]!();
    outcomes[slot]![p.instance_id] = result.outcome;
    writeInstanceLogs(root, {
      runId: plan.runs[slot]!.runId,
      model: MODEL,
      instanceId: p.instance_id,
      patch: p.model_patch,
      result,
    });
  }
  const datasetIds = tasks.map((t) => t.instance_id);
  ours = sampleReports(plan, datasetIds, outcomes);
  theirs = [];
  for (const run of plan.runs)
    theirs.push(await harnessRunReport({ root, runId: run.runId, predictions: run.predictions, datasetIds }));
}, 180_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("run report parity with the swebench package's make_run_report", () => {
  it('two samples of one instance are two harness runs, each naming the instance once', () => {
    expect(ours.map((r) => r.run_id)).toEqual([`${RUN}.sample-0`, `${RUN}.sample-1`]);
    expect(ours.map((r) => r.submitted_ids.filter((id) => id === FLASK).length)).toEqual([1, 1]);
    expect(ours[0]!.resolved_ids).toEqual([FLASK]);
    expect(ours[1]!.unresolved_ids).toEqual([FLASK]);
  });

  it('every count and id list equals the package’s, run by run', () => {
    expect(theirs).toHaveLength(ours.length);
    ours.forEach((r, i) => expect([r.run_id, pick(r)]).toEqual([r.run_id, pick(theirs[i]!.report)]));
  });

  it('a patch that does not apply and an infrastructure error are errors, as the harness counts them', () => {
    const first = theirs[0]!.report as unknown as RunReport;
    expect(first.error_ids).toEqual([ASTROPY, SEABORN, SYMPY].sort());
    expect(first.unresolved_ids).toEqual([DJANGO]);
    expect(first.empty_patch_ids).toEqual([REQUESTS]);
    // The package's own log classification (swebench >= 5: infra_failure_ids, additive) finds the same one.
    if ('infra_failure_ids' in first) expect(first.infra_failure_ids).toEqual([ASTROPY]);
    // Ours says why: the model's patch, or the harness.
    expect(ours[0]!.patch_failed_ids).toEqual([SEABORN, SYMPY].sort());
    expect(ours[0]!.infra_error_ids).toEqual([ASTROPY]);
    expect(readFileSync(join(instanceLogDir(root, ours[0]!.run_id, MODEL, SYMPY), 'run_instance.log'), 'utf8')).toMatch(
      /^>>>>> Patch Apply Failed/,
    );
  });

  it('instances without a prediction in a run are incomplete in it', () => {
    expect(ours[1]!.incomplete_ids).toEqual(
      tasks
        .map((t) => t.instance_id)
        .filter((id) => id !== FLASK)
        .sort(),
    );
    expect(ours[0]!.unknown_ids).toEqual(['not-in-dataset__x-1']);
  });
});
