// One harness run per sample slot (predictions.ts sampleRuns): which predictions to evaluate, and each run's
// report, as the two `evaluate` routes (imported tasks, --dataset) share them.
import type { EvalOutcome } from '../../contracts/rollout.ts';
import { sampleRuns, type SampleRun } from './predictions.ts';
import { buildReport, isEmptyPatch, type Prediction, type RunReport } from './report.ts';

export interface SamplePlan {
  runs: SampleRun<Prediction>[];
  /** The predictions to run: a known instance and a patch that is not empty, with their slot. */
  items: { prediction: Prediction; slot: number }[];
  unknownIds: string[];
}

export function planSampleRuns(runId: string, predictions: Prediction[], known: (id: string) => boolean): SamplePlan {
  const runs = sampleRuns(runId, predictions);
  const items = runs.flatMap((run, slot) =>
    run.predictions
      .filter((p) => known(p.instance_id) && !isEmptyPatch(p.model_patch))
      .map((prediction) => ({ prediction, slot })),
  );
  const unknownIds = [...new Set(predictions.filter((p) => !known(p.instance_id)).map((p) => p.instance_id))];
  return { runs, items, unknownIds };
}

/** The report of each run; `outcomes[slot]` holds that run's outcomes by instance id, `timedOut[slot]` the ids
 * whose tests outlived their timeout. */
export function sampleReports(
  plan: SamplePlan,
  datasetIds: string[],
  outcomes: Record<string, EvalOutcome>[],
  timedOut: string[][] = [],
): RunReport[] {
  return plan.runs.map((run, slot) =>
    buildReport({
      runId: run.runId,
      datasetIds,
      predictions: run.predictions,
      outcomes: outcomes[slot] ?? {},
      unknownIds: plan.unknownIds.filter((id) => run.predictions.some((p) => p.instance_id === id)),
      timedOutIds: timedOut[slot] ?? [],
    }),
  );
}
