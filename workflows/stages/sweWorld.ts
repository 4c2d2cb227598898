// SWE-World / ORM: training pairs from recorded executions, then the verifier training activity; exported to
// ONNX, the scorer TTS uses. Since issue 14 the run's tasks are split first: the verifier trains on the
// training tasks' executions and is measured on the held-out tasks' (sweWorld.heldOut), and an optional
// baseline kind is trained and measured on the same split.
import type { CheckpointRef } from '../../contracts/gpu.ts';
import type { StageInput, SweWorldSummary } from '../../contracts/pipeline.ts';
import { patched } from '@temporalio/workflow';
import { pipeline, scoring, trainingActivities } from '../activities.ts';
import { controlled, type Control } from '../control.ts';
import { failure } from '../errors.ts';

export async function sweWorldWorkflow(input: StageInput): Promise<SweWorldSummary> {
  return controlled((control) => sweWorldStage(input, control));
}

async function baseModelOf({ runId, config }: StageInput): Promise<string> {
  const sft = await pipeline.getStageResult({ runId, stage: 'sft' });
  const latest = await pipeline.latestCheckpoint({ runId });
  // The verifier starts from the base weights (SWE-Gym trains its ORM from the policy's base model).
  const baseModel = config.models.baseModelDir ?? sft?.baseModel ?? latest?.path;
  if (!baseModel)
    throw failure('ConfigError', 'models.baseModelDir: the verifier needs base weights: set it or enable stages.sft');
  return baseModel;
}

async function sweWorldStage(input: StageInput, control: Control): Promise<SweWorldSummary> {
  if (patched('swe-world-held-out')) return measuredStage(input, control);
  const { runId, config } = input;
  const sw = config.stages.sweWorld;
  control.report({ kind: 'stage', stage: 'sweWorld', done: 0, total: 1 });
  const ds = await scoring.buildVerifierDataset({ runId, kind: sw.kind, balance: sw.balance });
  if (ds.rows === 0)
    throw failure('EmptyDataset', `sweWorld: no ${sw.kind} training pairs: the run recorded no graded executions`);
  const baseModel = await baseModelOf(input);
  // Empty out dirs: the gpu worker derives them from the run id (it may not share this worker's paths).
  const ref = await trainingActivities(config).trainVerifier({
    runId,
    kind: sw.kind,
    baseModel,
    datasetPath: ds.path,
    outDir: '',
    cfg: sw,
    training: config.training,
  });
  const stored = await pipeline.recordCheckpoint({ runId, stage: 'sweWorld', ref });
  const onnxDir =
    config.stages.tts.backend === 'onnx' && sw.kind === 'orm'
      ? (await trainingActivities(config).exportOnnx({ model: stored.path, outDir: '', runId })).onnxDir
      : null;
  control.report({ kind: 'stage', stage: 'sweWorld', done: 1, total: 1 });
  return { datasetId: ds.datasetId, rows: ds.rows, checkpointId: stored.checkpointId, path: stored.path, onnxDir };
}

/** Train one kind on the training tasks, export it, measure it on the held-out executions. */
async function trainAndMeasure(input: StageInput, kind: 'orm' | 'swe_world', baseModel: string, name?: string) {
  const { runId, config } = input;
  const sw = config.stages.sweWorld;
  const data = await scoring.prepareVerifierData({
    runId,
    kind,
    balance: sw.balance,
    heldOutFraction: sw.heldOutFraction,
    ...(kind === 'swe_world' && sw.reverseReasoning && config.models.teachers[0]
      ? { reasoner: config.models.teachers[0] }
      : {}),
  });
  const ref: CheckpointRef = await trainingActivities(config).trainVerifier({
    runId,
    kind,
    baseModel,
    datasetPath: data.train.path,
    outDir: '',
    cfg: sw,
    training: config.training,
    ...(name ? { name } : {}),
  });
  const stored = await pipeline.recordCheckpoint({ runId, stage: 'sweWorld', ref });
  // Relative dirs resolve under the gpu worker's artifacts dir; the default one is the primary verifier's.
  const outDir = name ? `runs/${runId}/verifier-${name}/onnx` : '';
  const { onnxDir } = await trainingActivities(config).exportOnnx({ model: stored.path, outDir, runId });
  const heldOut = data.heldOut.rolloutIds.length
    ? await scoring.measureVerifier({
        runId,
        kind,
        verifierDir: onnxDir,
        checkpointId: stored.checkpointId,
        rolloutIds: data.heldOut.rolloutIds,
        heldOutTasks: data.heldOut.taskIds,
      })
    : undefined;
  return { data, stored, onnxDir, heldOut };
}

async function measuredStage(input: StageInput, control: Control): Promise<SweWorldSummary> {
  const sw = input.config.stages.sweWorld;
  const total = sw.baseline && sw.baseline !== sw.kind ? 2 : 1;
  control.report({ kind: 'stage', stage: 'sweWorld', done: 0, total });
  const baseModel = await baseModelOf(input);
  const main = await trainAndMeasure(input, sw.kind, baseModel);
  control.report({ kind: 'stage', stage: 'sweWorld', done: 1, total });
  const summary: SweWorldSummary = {
    datasetId: main.data.train.datasetId,
    rows: main.data.train.rows,
    checkpointId: main.stored.checkpointId,
    path: main.stored.path,
    onnxDir: main.onnxDir,
    kind: sw.kind,
    ...(main.heldOut ? { heldOut: main.heldOut } : {}),
  };
  if (total === 2) {
    const kind = sw.baseline!;
    const b = await trainAndMeasure(input, kind, baseModel, kind);
    summary.baseline = {
      kind,
      checkpointId: b.stored.checkpointId,
      path: b.stored.path,
      onnxDir: b.onnxDir,
      ...(b.heldOut ? { heldOut: b.heldOut } : {}),
    };
    control.report({ kind: 'stage', stage: 'sweWorld', done: 2, total });
  }
  return summary;
}
