// The SWE-bench run report (same keys, same meaning) for a batch of predictions, plus our outcome split.
// One difference, on purpose: SWE-bench files a patch that does not apply under error_ids; here it is
// unresolved (the model's fault) and error_ids holds only infrastructure errors (retriable, not the model's).
import type { EvalOutcome } from '../contracts.ts';

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
  patch_failed_ids: string[];
  unknown_ids: string[];
  model_name_or_path: string;
  run_id: string;
  schema_version: 2;
}

export function buildReport(o: {
  runId: string;
  datasetIds: string[];
  predictions: Prediction[];
  outcomes: Record<string, EvalOutcome>;
  unknownIds: string[];
}): RunReport {
  const sort = (a: Iterable<string>) => [...a].sort();
  const submitted = new Set(o.predictions.map((p) => p.instance_id));
  const empty = o.predictions.filter((p) => !p.model_patch?.trim()).map((p) => p.instance_id);
  const by = (wanted: EvalOutcome[]) => Object.keys(o.outcomes).filter((id) => wanted.includes(o.outcomes[id]!));
  const resolved = by(['resolved']);
  const unresolved = by(['unresolved', 'patch_failed']);
  const errors = by(['infra_error']);
  const completed = [...resolved, ...unresolved];
  return {
    total_instances: o.datasetIds.length,
    submitted_instances: submitted.size,
    completed_instances: completed.length,
    resolved_instances: resolved.length,
    unresolved_instances: unresolved.length,
    empty_patch_instances: empty.length,
    error_instances: errors.length,
    completed_ids: sort(completed),
    incomplete_ids: sort(o.datasetIds.filter((id) => !submitted.has(id))),
    empty_patch_ids: sort(empty),
    submitted_ids: sort(submitted),
    resolved_ids: sort(resolved),
    unresolved_ids: sort(unresolved),
    error_ids: sort(errors),
    patch_failed_ids: sort(by(['patch_failed'])),
    unknown_ids: sort(o.unknownIds),
    model_name_or_path: o.predictions[0]?.model_name_or_path ?? '',
    run_id: o.runId,
    schema_version: 2,
  };
}
