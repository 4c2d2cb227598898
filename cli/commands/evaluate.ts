// `swe-forge evaluate --predictions FILE`: SWE-bench predictions in, a SWE-bench-style report out.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InfraError, InputError } from '../../core/errors.ts';
import { formatRowError } from '../../core/task.ts';
import { SandboxSchema } from '../../config/schema.ts';
import { evaluateBatch } from '../../activities/harness/batch.ts';
import { readPredictions } from '../../activities/harness/predictions.ts';
import type { RunReport } from '../../activities/harness/report.ts';
import { planSampleRuns, sampleReports } from '../../activities/harness/sampleRuns.ts';
import { createTaskStore } from '../../activities/tasks/store.ts';
import type { EvalOutcome } from '../../contracts/rollout.ts';
import { connectDocker } from '../../infra/docker.ts';
import { reapOrphans } from '../../infra/sandbox.ts';
import { loadSettings } from '../../infra/settings.ts';
import { withDatabase } from '../database.ts';
import { progressBar } from '../progress.ts';
import { action, printJson } from '../output.ts';
import { intFlag, secondsFlag } from '../flags.ts';
import { evaluateOnDataset } from './evaluateDataset.ts';
import { writeInstanceLogs } from '../../activities/harness/harnessLayout.ts';

function repoFlags(flags: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const eq = f.indexOf('=');
    if (eq <= 0 || !f.slice(0, eq).includes('/')) throw new InputError(`--repo ${f}: expected owner/name=PATH`);
    out[f.slice(0, eq)] = f.slice(eq + 1);
  }
  return out;
}

interface EvaluateOpts {
  predictions: string;
  dataset?: string;
  repo: string[];
  runId?: string;
  ids?: string;
  concurrency: number;
  timeout: number;
  out?: string;
  json?: boolean;
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .requiredOption(
      '--predictions <file>',
      'SWE-bench predictions: JSONL / JSON of {instance_id, model_name_or_path, model_patch}',
    )
    .option(
      '--dataset <file>',
      'the task rows (JSONL / JSON / parquet / task folders), read without an import or a database; writes ' +
        '<model>.<run_id>.json and logs/run_evaluation/<run_id>/<model>/<instance_id>/ under --out (default: .)',
    )
    .option(
      '--repo <owner/name=PATH>',
      'with --dataset: a local repository or bundle for owner/name (repeatable)',
      (v: string, p: string[]) => [...p, v],
      [] as string[],
    )
    .option('--run-id <id>', 'names the report and labels the containers (default: eval-<time>)')
    .option('--ids <ids>', 'evaluate only these instance ids (comma-separated)')
    .option('--concurrency <n>', 'evaluations at once', intFlag(1), cpus().length)
    .option('--timeout <sec>', 'test timeout per instance: seconds, or 15m / 1h', secondsFlag(1), 900)
    .option('--out <dir>', 'where the report and per-instance results go (default: <data>/evaluations/<run-id>)')
    .option('--json', 'print the report as JSON')
    .description('Evaluate model patches against the imported tasks and write a SWE-bench-style report')
    .action(action(runEvaluate));
}

async function runEvaluate(opts: EvaluateOpts): Promise<void> {
  const settings = loadSettings();
  const runId = opts.runId ?? `eval-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`;
  const outDir = resolve(opts.out ?? (opts.dataset ? '.' : join(settings.dataDir, 'evaluations', runId)));
  const { predictions, errors } = readPredictions(opts.predictions);
  for (const e of errors) console.error(formatRowError(e, opts.predictions));
  const only = opts.ids ? new Set(opts.ids.split(',').map((s) => s.trim())) : undefined;
  const wanted = predictions.filter((p) => !only || only.has(p.instance_id));
  const docker = await connectDocker(settings.dockerHost);
  const sandbox = SandboxSchema.parse({ testTimeoutSec: opts.timeout });
  const report = opts.dataset
    ? await evaluateOnDataset(docker, {
        dataset: opts.dataset,
        predictionsFile: opts.predictions,
        predictions,
        runId,
        outDir,
        repos: repoFlags(opts.repo),
        sandbox,
        concurrency: opts.concurrency,
        only,
        quiet: !!opts.json,
      })
    : await withDatabase(
        async (pool) => {
          const tasks = new Map((await createTaskStore(pool).list()).map((t) => [t.instance_id, t]));
          // Several predictions of an instance: one harness run per sample slot (run id <run>.sample-<k>).
          const plan = planSampleRuns(runId, wanted, (id) => tasks.has(id));
          for (const id of plan.unknownIds) console.error(`${opts.predictions}: ${id}: not an imported task (skipped)`);
          const { runs } = plan;
          const items = plan.items.map(({ prediction: p, slot }) => ({
            task: tasks.get(p.instance_id)!,
            patch: p.model_patch!,
            model: p.model_name_or_path,
            slot,
          }));
          mkdirSync(outDir, { recursive: true });
          const outcomes: Record<string, EvalOutcome>[] = runs.map(() => ({}));
          const timedOut: string[][] = runs.map(() => []);
          const bar = progressBar(items.length, 'evaluate', { quiet: !!opts.json });
          try {
            await evaluateBatch(docker, items, {
              sandbox,
              concurrency: opts.concurrency,
              attempts: sandbox.infraMaxAttempts,
              labels: { run: runId, activity: 'evaluate' },
              onResult: (i, item, result) => {
                const { slot, model } = items[i]!;
                outcomes[slot]![item.task.instance_id] = result.outcome;
                if (result.testsTimedOut) timedOut[slot]!.push(item.task.instance_id);
                const suffix = runs.length > 1 ? `.sample-${slot}` : '';
                writeFileSync(
                  join(outDir, `${item.task.instance_id.replace(/\//g, '__')}${suffix}.json`),
                  JSON.stringify(result, null, 2),
                );
                // The harness's per-instance files too (logs/run_evaluation/<run>/<model>/<id>/).
                writeInstanceLogs(outDir, {
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
            // Whatever an engine hiccup left behind for this run.
            await reapOrphans(docker, { ttlSec: 0, runId }).catch(() => undefined);
          }
          const datasetIds = only ? [...only].filter((id) => tasks.has(id)) : [...tasks.keys()];
          const samples = [];
          for (const report of sampleReports(plan, datasetIds, outcomes, timedOut)) {
            const reportPath = join(outDir, runs.length > 1 ? `report.${report.run_id}.json` : 'report.json');
            writeFileSync(reportPath, JSON.stringify(report, null, 2));
            await pool.query(
              `insert into evaluations (id, run_id, kind, checkpoint, metrics, report_path) values ($1, null, 'swe-bench', $2, $3, $4)
       on conflict (id) do update set metrics = excluded.metrics, report_path = excluded.report_path, created_at = now()`,
              [
                `swe-bench/${report.run_id}`,
                report.model_name_or_path,
                JSON.stringify({
                  resolved: report.resolved_instances,
                  submitted: report.submitted_instances,
                  errors: report.error_instances,
                  patchFailed: report.patch_failed_ids.length,
                  infraErrors: report.infra_error_ids.length,
                }),
                reportPath,
              ],
            );
            samples.push({ ...report, report_path: reportPath });
          }
          return { ...samples[0]!, ...(samples.length > 1 ? { samples } : {}) };
        },
        { create: true },
      );
  if (opts.json) printJson(report);
  else for (const r of report.samples ?? [report]) printReport(r, !!report.samples);
  // Thrown, not process.exitCode: embedded Postgres's exit hook would reset that to 0. A patch that does not apply
  // is an error in the harness's counts but the model's doing: only infrastructure errors fail the command.
  const infra = (report.samples ?? [report]).flatMap((r) => r.infra_error_ids.map((id) => `${id} (${r.run_id})`));
  if (infra.length) {
    throw new InfraError(`${infra.length} instance(s) hit infrastructure errors: ${infra.join(', ')}`);
  }
  if (errors.length || report.unknown_ids.length) {
    throw new InputError(`${errors.length} bad prediction row(s), ${report.unknown_ids.length} unknown instance id(s)`);
  }
}

function printReport(r: RunReport & { report_path: string }, several: boolean): void {
  if (several) console.log(`Run ${r.run_id}:`);
  console.log(`Total instances: ${r.total_instances}`);
  console.log(`Instances submitted: ${r.submitted_instances}`);
  console.log(`Instances completed: ${r.completed_instances}`);
  console.log(`Instances incomplete: ${r.incomplete_ids.length}`);
  console.log(`Instances resolved: ${r.resolved_instances}`);
  console.log(`Instances unresolved: ${r.unresolved_instances} (tests timed out: ${r.timed_out_ids.length})`);
  console.log(`Instances with empty patches: ${r.empty_patch_instances}`);
  console.log(
    `Instances with errors: ${r.error_instances} (patch did not apply: ${r.patch_failed_ids.length}, ` +
      `infrastructure: ${r.infra_error_ids.length})`,
  );
  console.log(`Report written to ${r.report_path}`);
}
