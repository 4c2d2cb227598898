// The training activities of the gpu worker: each writes a trainer config, runs the trainer to its `done` event
// (runner.ts) and records the checkpoints it reported. Paths derive from ids, so a retry resumes in place.
import { join, sep } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import type {
  CheckpointRef,
  ExportOnnxInput,
  GrpoStepInput,
  MakeTinyModelInput,
  TrainSftInput,
  TrainVerifierInput,
} from '../../contracts/gpu.ts';
import { checkpointIdByPath, forgetPrunedCheckpoints, numericMetrics, recordCheckpoint } from './checkpointRows.ts';
import { FAILURE_TYPES } from './failures.ts';
import { runPaths } from '../../infra/layout.ts';
import { resolveFrom, stepOfCheckpoint } from './paths.ts';
import { ensureTinyModel } from './tinyModel.ts';
import { resolveModel } from './baseModels.ts';
import { readModelPositions } from './modelPositions.ts';
import { runTrainer, type RunnerDeps, type TrainerJob } from './runner.ts';
import { recordTrainMetrics, type TrainMetricPoint } from '../report/training.ts';
import { grpoTrainerConfig, onnxTrainerConfig, sftTrainerConfig, verifierTrainerConfig } from './trainerConfig.ts';

export interface TrainingActivityDeps extends RunnerDeps {
  pool: pg.Pool;
}

function badInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FAILURE_TYPES.badInput, nonRetryable: true, message });
}

export function createTrainingActivities(deps: TrainingActivityDeps) {
  const { pool, settings } = deps;
  // Inputs come from workflows, which cannot know this worker's directories: relative paths are artifact paths.
  const artifact = (p: string) => resolveFrom(settings.artifactsDir, p);
  // The ranks one training job spans: under a multi-node launcher the configured cluster, else this worker's GPUs.
  const trainingWorldSize = async (t: TrainVerifierInput['training']): Promise<number> =>
    t && t.launcher !== 'local' ? t.nodes * t.gpusPerNode : Math.max(1, await deps.gpus());

  /** Runs a checkpointing job (its configDir is its out dir); records every checkpoint and returns the final one. */
  async function trainAndRecord(
    job: Omit<TrainerJob, 'onCheckpoint' | 'onProgress'>,
    where: { runId: string; stage: string; stageKey: string; curve?: string; iteration?: number },
  ): Promise<{ ref?: CheckpointRef; done: Record<string, unknown> }> {
    // The loss curve: every progress event, written with each checkpoint and at the end (idempotent per step).
    let points: TrainMetricPoint[] = [];
    const flushCurve = async () => {
      const batch = points;
      points = [];
      await recordTrainMetrics(pool, { runId: where.runId, stage: where.curve ?? where.stage, points: batch });
    };
    const onProgress = (e: Record<string, unknown> & { step: number }) => {
      const { step, loss, event: _event, ...rest } = e;
      points.push({ step, loss: typeof loss === 'number' ? loss : null, metrics: numericMetrics(rest) });
    };
    const record = async (step: number, path: string, metrics: Record<string, unknown>) => {
      await flushCurve();
      const { curve: _curve, iteration: _iteration, ...row } = where;
      return recordCheckpoint(pool, { ...row, step, path, metrics: numericMetrics(metrics) });
    };
    const tracking = { runId: where.runId, stage: where.stage, job: where.stageKey, iteration: where.iteration };
    const done = await runTrainer(deps, {
      ...job,
      tracking,
      onProgress,
      onCheckpoint: async (s, p, m) => void (await record(s, p, m)),
    });
    await flushCurve();
    // Only a checkpoint this job wrote gets a row: a grpo-step that skipped an all-masked batch reports its input.
    const ours =
      typeof done.checkpoint === 'string' && done.checkpoint.startsWith(join(job.configDir, 'checkpoints', sep));
    const path = ours ? (done.checkpoint as string) : undefined;
    const step = path ? stepOfCheckpoint(path) : undefined;
    const metrics = numericMetrics(done.metrics);
    const ref = path && step !== undefined ? await record(step, path, metrics) : undefined;
    await forgetPrunedCheckpoints(pool, where.runId, where.stageKey);
    return { ref: ref && { ...ref, metrics }, done };
  }

  function expectRef(what: string, r: { ref?: CheckpointRef; done: Record<string, unknown> }): CheckpointRef {
    if (r.ref) return r.ref;
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.failed,
      message: `${what}: the trainer finished without a step-N checkpoint (done: ${JSON.stringify(r.done).slice(0, 400)})`,
    });
  }

  return {
    async makeTinyModel(i: MakeTinyModelInput): Promise<{ path: string }> {
      return ensureTinyModel(deps, i, badInput);
    },

    async trainSft(i: TrainSftInput): Promise<CheckpointRef> {
      // Rounds after the first (SWE-Gym's rejection sampling) keep their own out dir, ids and loss curve.
      const round = i.stage === 'sft' && i.round && i.round > 1 ? i.round : undefined;
      const outDir = i.outDir
        ? artifact(i.outDir)
        : round
          ? runPaths.sftRound(settings.artifactsDir, i.runId, round)
          : (i.stage === 'sft' ? runPaths.sft : runPaths.sweWorldSft)(settings.artifactsDir, i.runId);
      const baseModel = await resolveModel(deps, i.baseModel, artifact);
      const worldSize = await trainingWorldSize(i.training);
      const config = sftTrainerConfig({
        sft: i.sft,
        baseModel,
        datasetPath: artifact(i.datasetPath),
        outDir,
        worldSize,
        // The model this round starts from, which may carry the YaRN an earlier round applied.
        startingModel: i.sft.yarnFactor ? readModelPositions(baseModel) : undefined,
        training: i.training,
      });
      const what = `sft (${i.stage}${round ? `, round ${round}` : ''}) of run ${i.runId}`;
      const stageKey = i.stage === 'sft' ? (round ? `sft/round-${round}` : 'sft') : 'swe-world-sft';
      const r = await trainAndRecord(
        { command: 'sft', config, configDir: outDir, what, training: i.training },
        { runId: i.runId, stage: i.stage, stageKey, ...(round ? { curve: `sft/round-${round}` } : {}) },
      );
      return expectRef(what, r);
    },

    async grpoStep(i: GrpoStepInput): Promise<CheckpointRef> {
      const outDir = i.outDir ? artifact(i.outDir) : runPaths.rlIteration(settings.artifactsDir, i.runId, i.iteration);
      const model = await resolveModel(deps, i.model, artifact);
      const config = grpoTrainerConfig({
        rl: i.rl,
        model,
        batchPath: artifact(i.batchPath),
        outDir,
        training: i.training,
      });
      const what = `grpo-step of run ${i.runId} iteration ${i.iteration}`;
      const stageKey = `rl/iter-${i.iteration}`;
      const r = await trainAndRecord(
        { command: 'grpo-step', config, configDir: outDir, what, training: i.training },
        { runId: i.runId, stage: 'rl', stageKey, iteration: i.iteration },
      );
      const metrics = numericMetrics(r.done.metrics);
      if (metrics.skipped) {
        // Every row was masked (infrastructure errors): no update, the policy stays the input model.
        const step = stepOfCheckpoint(model) ?? 0;
        const id = (await checkpointIdByPath(pool, model)) ?? `${i.runId}/${stageKey}/unchanged`;
        return { checkpointId: id, path: model, step, metrics };
      }
      return expectRef(what, r);
    },

    async trainVerifier(i: TrainVerifierInput): Promise<CheckpointRef> {
      const dir = runPaths.verifier(settings.artifactsDir, i.runId);
      const outDir = i.outDir ? artifact(i.outDir) : i.name ? `${dir}-${i.name}` : dir;
      const config = verifierTrainerConfig({
        cfg: i.cfg,
        kind: i.kind,
        baseModel: await resolveModel(deps, i.baseModel, artifact),
        datasetPath: artifact(i.datasetPath),
        outDir,
        worldSize: await trainingWorldSize(i.training),
        training: i.training,
      });
      const what = `train-verifier (${i.kind}) of run ${i.runId}`;
      const r = await trainAndRecord(
        { command: 'train-verifier', config, configDir: outDir, what, training: i.training },
        // The stage column is the RunConfig stage (what latestCheckpoint filters on); the id keeps "verifier" so it
        // never meets the ids of an SFT run in the same stage (trainSft with stage sweWorld).
        { runId: i.runId, stage: 'sweWorld', stageKey: i.name ? `verifier-${i.name}` : 'verifier' },
      );
      return expectRef(what, r);
    },

    async exportOnnx(i: ExportOnnxInput): Promise<{ onnxDir: string }> {
      if (!i.outDir && !i.runId) throw badInput('exportOnnx: give outDir or runId (then <run>/verifier/onnx is used)');
      const outDir = i.outDir ? artifact(i.outDir) : runPaths.onnx(settings.artifactsDir, i.runId!);
      const config = onnxTrainerConfig({ model: artifact(i.model), outDir });
      await runTrainer(deps, { command: 'export-onnx', config, configDir: outDir, what: `export-onnx to ${outDir}` });
      return { onnxDir: outDir };
    },
  };
}
