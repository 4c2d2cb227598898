// The files the SWE-bench harness's users look for after a run: `<model>.<run_id>.json` (the run report) and, per
// instance, logs/run_evaluation/<run_id>/<model>/<instance_id>/{report.json, test_output.txt, patch.diff, eval.sh}.
// `<model>` is model_name_or_path with `/` as `__`, as the harness writes it. As the harness does, an instance whose
// patch did not apply, or whose evaluation failed, gets no report.json (make_run_report counts it under error_ids);
// its run_instance.log says why (the harness's `>>>>> Patch Apply Failed` line for a patch that does not apply).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvaluationResult } from './evaluate.ts';

export const harnessModelName = (model: string) => (model || 'unknown').replace(/\//g, '__');

export function instanceLogDir(root: string, runId: string, model: string, instanceId: string): string {
  return join(root, 'logs', 'run_evaluation', runId, harnessModelName(model), instanceId);
}

/** The harness's marker for a patch that does not apply (swebench.harness.constants.APPLY_PATCH_FAIL). */
export const APPLY_PATCH_FAIL = '>>>>> Patch Apply Failed';

/** The harness's per-instance report.json (the package's own for swebench rows, the same shape from ours), or
 * null where the harness writes none: the patch did not apply, or the evaluation itself failed. */
export function instanceReport(
  instanceId: string,
  patch: string | null,
  r: EvaluationResult,
): Record<string, unknown> | null {
  if (r.outcome !== 'resolved' && r.outcome !== 'unresolved') return null;
  if (r.harnessReport) return { [instanceId]: r.harnessReport };
  const empty = { success: [] as string[], failure: [] as string[] };
  return {
    [instanceId]: {
      patch_is_None: patch === null,
      patch_exists: patch !== null,
      patch_successfully_applied: true,
      resolved: r.outcome === 'resolved',
      tests_status: {
        FAIL_TO_PASS: { success: r.failToPass.passed, failure: r.failToPass.failed },
        PASS_TO_PASS: { success: r.passToPass.passed, failure: r.passToPass.failed },
        FAIL_TO_FAIL: empty,
        PASS_TO_FAIL: empty,
      },
    },
  };
}

function instanceLog(r: EvaluationResult): string {
  if (r.outcome === 'patch_failed') return `${APPLY_PATCH_FAIL}:\n${r.message}\n`;
  return `${r.outcome}: ${r.message}\n`;
}

export function writeInstanceLogs(
  root: string,
  o: { runId: string; model: string; instanceId: string; patch: string | null; result: EvaluationResult },
): string {
  const dir = instanceLogDir(root, o.runId, o.model, o.instanceId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'patch.diff'), o.patch ?? '');
  writeFileSync(join(dir, 'eval.sh'), o.result.evalScript ?? '');
  // What the run printed (the harness's test_output.txt); for a patch that did not apply, why.
  writeFileSync(join(dir, 'test_output.txt'), o.result.testOutput ?? o.result.message);
  const report = instanceReport(o.instanceId, o.patch, o.result);
  if (report) writeFileSync(join(dir, 'report.json'), JSON.stringify(report, null, 4));
  else rmSync(join(dir, 'report.json'), { force: true }); // a re-run of the same run id must not keep a stale one
  writeFileSync(join(dir, 'run_instance.log'), instanceLog(o.result));
  return dir;
}
