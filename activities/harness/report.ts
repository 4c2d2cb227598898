// The SWE-bench run report (same keys, same counting as swebench.harness.reporting.make_run_report) for one harness
// run: predictions with at most one per instance (several samples are several runs, predictions.ts sampleRuns).
// As the harness counts: an instance of the dataset without a prediction is incomplete; a prediction whose patch
// is '' or null is an empty patch (never run); every other one is completed when its report.json exists
// (resolved / unresolved) and an error otherwise — a patch that does not apply included, since the harness writes
// no report.json for it. Our two extra keys split error_ids by cause: patch_failed_ids (the model's patch did
// not apply: the model's fault) and infra_error_ids (the harness could not do its job: retriable).
// One deliberate difference, shown in the report as timed_out_ids: a test run that outlives its timeout is
// unresolved here (the patch's doing: an infinite loop must not escape a zero reward), where the harness's own run
// raises and files it under error_ids. Our tree has a report.json for it, so make_run_report over it agrees with us.
import type { EvalOutcome } from '../../contracts/rollout.ts';

export interface Prediction {
  instance_id: string;
  model_name_or_path: string;
  model_patch: string | null;
}

export interface RunReport {
  total_instances: number;
  submitted_instances: number;
  completed_instances: number;
  resolved_instances: number;
  unresolved_instances: number;
  empty_patch_instances: number;
  error_instances: number;
  completed_ids: string[];
  incomplete_ids: string[];
  empty_patch_ids: string[];
  submitted_ids: string[];
  resolved_ids: string[];
  unresolved_ids: string[];
  error_ids: string[];
  /** Ours, each a subset of error_ids: the patch did not apply / the harness failed. */
  patch_failed_ids: string[];
  infra_error_ids: string[];
  /** Ours, a subset of unresolved_ids: the tests outlived their timeout (the harness's own run: an error). */
  timed_out_ids: string[];
  unknown_ids: string[];
  model_name_or_path: string;
  run_id: string;
  schema_version: 2;
}

/** The harness's test for an empty patch (exactly '' or null: a whitespace-only patch is run, and fails to apply). */
export const isEmptyPatch = (patch: string | null | undefined) => patch === '' || patch === null || patch === undefined;

type Bucket = 'incomplete' | 'empty' | 'resolved' | 'unresolved' | 'error' | 'patchFailed' | 'infra';

export function buildReport(o: {
  runId: string;
  datasetIds: string[];
  predictions: Prediction[];
  outcomes: Record<string, EvalOutcome>;
  unknownIds: string[];
  /** Instances whose tests outlived their timeout (EvaluationResult.testsTimedOut). */
  timedOutIds?: string[];
}): RunReport {
  const sort = (a: Iterable<string>) => [...a].sort();
  const byId = new Map<string, Prediction>();
  for (const p of o.predictions) {
    if (byId.has(p.instance_id))
      throw new Error(`buildReport: two predictions for ${p.instance_id} in one run (split them with sampleRuns)`);
    byId.set(p.instance_id, p);
  }
  const ids: Record<Bucket, string[]> = {
    incomplete: [],
    empty: [],
    resolved: [],
    unresolved: [],
    error: [],
    patchFailed: [],
    infra: [],
  };
  for (const id of new Set(o.datasetIds)) {
    const p = byId.get(id);
    if (!p) ids.incomplete.push(id);
    else if (isEmptyPatch(p.model_patch)) ids.empty.push(id);
    else {
      const outcome = o.outcomes[id];
      if (outcome === 'resolved') ids.resolved.push(id);
      else if (outcome === 'unresolved') ids.unresolved.push(id);
      else {
        ids.error.push(id);
        // Never run (a whitespace-only patch) reads as a patch that does not apply: the harness's verdict on it.
        if (outcome === 'infra_error') ids.infra.push(id);
        else ids.patchFailed.push(id);
      }
    }
  }
  const completed = [...ids.resolved, ...ids.unresolved];
  return {
    total_instances: new Set(o.datasetIds).size,
    submitted_instances: byId.size,
    completed_instances: completed.length,
    resolved_instances: ids.resolved.length,
    unresolved_instances: ids.unresolved.length,
    empty_patch_instances: ids.empty.length,
    error_instances: ids.error.length,
    completed_ids: sort(completed),
    incomplete_ids: sort(ids.incomplete),
    empty_patch_ids: sort(ids.empty),
    submitted_ids: sort(byId.keys()),
    resolved_ids: sort(ids.resolved),
    unresolved_ids: sort(ids.unresolved),
    error_ids: sort(ids.error),
    patch_failed_ids: sort(ids.patchFailed),
    infra_error_ids: sort(ids.infra),
    timed_out_ids: sort(ids.unresolved.filter((id) => o.timedOutIds?.includes(id))),
    unknown_ids: sort(o.unknownIds),
    model_name_or_path: o.predictions[0]?.model_name_or_path ?? '',
    run_id: o.runId,
    schema_version: 2,
  };
}
