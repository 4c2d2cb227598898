// `swe-forge evaluate --dataset FILE --predictions P --run-id R`: as the SWE-bench harness is run, with no import
// and no database. The dataset file (any format `tasks import` reads) is validated in memory; the run report goes
// to `<model>.<run_id>.json` and each instance's files to logs/run_evaluation/<run_id>/<model>/<instance_id>/.
// With several predictions of an instance (samples), sample k is the harness run `<run_id>.sample-<k>`.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type Docker from 'dockerode';
import { formatRowError } from '../../core/task.ts';
import type { EvalOutcome, SandboxConfig } from '../../contracts/rollout.ts';
import { evaluateBatch } from '../../activities/harness/batch.ts';
import { harnessModelName, writeInstanceLogs } from '../../activities/harness/harnessLayout.ts';
import type { Prediction, RunReport } from '../../activities/harness/report.ts';
import { planSampleRuns, sampleReports } from '../../activities/harness/sampleRuns.ts';
import { prepareImport } from '../../activities/tasks/importFile.ts';
import { reapOrphans } from '../../infra/sandbox.ts';
import { progressBar } from '../progress.ts';

export type SampleReport = RunReport & { report_path: string };

export interface DatasetRunOptions {
  dataset: string;
  predictionsFile: string;
  predictions: Prediction[];
  runId: string;
  outDir: string;
  repos: Record<string, string>;
  sandbox: SandboxConfig;
  concurrency: number;
  only?: Set<string>;
  quiet: boolean;
}

export async function evaluateOnDataset(
  docker: Docker,
  o: DatasetRunOptions,
): Promise<RunReport & { report_path: string; dataset_errors: number; samples?: SampleReport[] }> {
  const prepared = await prepareImport(o.dataset, o.repos);
  for (const e of prepared.errors) console.error(formatRowError(e, o.dataset));
  if (prepared.graderWarning) console.error(`warning: ${prepared.graderWarning}`);
  const tasks = new Map(prepared.rows.map((r) => [r.task.instance_id, { ...r.task, source_path: r.sourcePath }]));
  const wanted = o.predictions.filter((p) => !o.only || o.only.has(p.instance_id));
  // Several predictions of an instance: one harness run per sample slot, each with its own run id and tree.
  const plan = planSampleRuns(o.runId, wanted, (id) => tasks.has(id));
  for (const id of plan.unknownIds) console.error(`${o.predictionsFile}: ${id}: not in ${o.dataset} (skipped)`);
  const { runs } = plan;
  const items = plan.items.map(({ prediction: p, slot }) => ({
    task: tasks.get(p.instance_id)!,
    patch: p.model_patch!,
    model: p.model_name_or_path,
    slot,
  }));
  const outcomes: Record<string, EvalOutcome>[] = runs.map(() => ({}));
  const timedOut: string[][] = runs.map(() => []);
  const bar = progressBar(items.length, 'evaluate', { quiet: o.quiet });
  try {
    await evaluateBatch(docker, items, {
      sandbox: o.sandbox,
      concurrency: o.concurrency,
      attempts: o.sandbox.infraMaxAttempts,
      labels: { run: o.runId, activity: 'evaluate' },
      onResult: (i, item, result) => {
        const { slot, model } = items[i]!;
        outcomes[slot]![item.task.instance_id] = result.outcome;
        if (result.testsTimedOut) timedOut[slot]!.push(item.task.instance_id);
        writeInstanceLogs(o.outDir, {
          runId: runs[slot]!.runId,
          model,
          instanceId: item.task.instance_id,
          patch: item.patch,
          result,
        });
        bar.tick(`${item.task.instance_id} ${result.outcome}`);
      },
    });
  } finally {
    bar.done();
    await reapOrphans(docker, { ttlSec: 0, runId: o.runId }).catch(() => undefined);
  }
  const datasetIds = o.only ? [...o.only].filter((id) => tasks.has(id)) : [...tasks.keys()];
  const samples = sampleReports(plan, datasetIds, outcomes, timedOut).map((report) => {
    const reportPath = resolve(join(o.outDir, `${harnessModelName(report.model_name_or_path)}.${report.run_id}.json`));
    writeFileSync(reportPath, JSON.stringify(report, null, 4));
    return { ...report, report_path: reportPath };
  });
  return { ...samples[0]!, dataset_errors: prepared.errors.length, ...(samples.length > 1 ? { samples } : {}) };
}
