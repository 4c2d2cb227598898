// The files the SWE-bench harness's users look for after a run: `<model>.<run_id>.json` (the run report) and, per
// instance, logs/run_evaluation/<run_id>/<model>/<instance_id>/{report.json, test_output.txt, patch.diff, eval.sh}.
// `<model>` is model_name_or_path with `/` as `__`, as the harness writes it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvaluationResult } from './evaluate.ts';

export const harnessModelName = (model: string) => (model || 'unknown').replace(/\//g, '__');

export function instanceLogDir(root: string, runId: string, model: string, instanceId: string): string {
  return join(root, 'logs', 'run_evaluation', runId, harnessModelName(model), instanceId);
}

/** The harness's per-instance report.json: the package's own for swebench rows, the same shape from ours. */
export function instanceReport(instanceId: string, patch: string | null, r: EvaluationResult): Record<string, unknown> {
  if (r.harnessReport) return { [instanceId]: r.harnessReport };
  const applied = r.outcome === 'resolved' || r.outcome === 'unresolved';
  const empty = { success: [] as string[], failure: [] as string[] };
  return {
    [instanceId]: {
      patch_is_None: patch === null,
      patch_exists: patch !== null,
      patch_successfully_applied: applied,
      resolved: r.outcome === 'resolved',
      ...(applied
        ? {
            tests_status: {
              FAIL_TO_PASS: { success: r.failToPass.passed, failure: r.failToPass.failed },
              PASS_TO_PASS: { success: r.passToPass.passed, failure: r.passToPass.failed },
              FAIL_TO_FAIL: empty,
              PASS_TO_FAIL: empty,
            },
          }
        : {}),
    },
  };
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
  writeFileSync(join(dir, 'report.json'), JSON.stringify(instanceReport(o.instanceId, o.patch, o.result), null, 4));
  writeFileSync(join(dir, 'run_instance.log'), `${o.result.outcome}: ${o.result.message}\n`);
  return dir;
}
