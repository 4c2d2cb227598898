// SWE-World / ORM: training pairs from recorded executions, then the verifier training activity; exported to
// ONNX when TTS scores in-process.
import type { StageInput, SweWorldSummary } from '../../activities/pipeline/types.ts';
import { pipeline, scoring, training } from '../activities.ts';
import { controlled, type Control } from '../control.ts';
import { failure } from '../errors.ts';

export async function sweWorldWorkflow(input: StageInput): Promise<SweWorldSummary> {
  return controlled((control) => sweWorldStage(input, control));
}

async function sweWorldStage({ runId, config }: StageInput, control: Control): Promise<SweWorldSummary> {
  const sw = config.stages.sweWorld;
  control.report({ kind: 'stage', stage: 'sweWorld', done: 0, total: 1 });
  const ds = await scoring.buildVerifierDataset({ runId, kind: sw.kind, balance: sw.balance });
  if (ds.rows === 0)
    throw failure('EmptyDataset', `sweWorld: no ${sw.kind} training pairs: the run recorded no graded executions`);
  const sft = await pipeline.getStageResult({ runId, stage: 'sft' });
  const latest = await pipeline.latestCheckpoint({ runId });
  // The verifier starts from the base weights (SWE-Gym trains its ORM from the policy's base model).
  const baseModel = config.models.baseModelDir ?? sft?.baseModel ?? latest?.path;
  if (!baseModel)
    throw failure('ConfigError', 'models.baseModelDir: the verifier needs base weights: set it or enable stages.sft');
  // Empty out dirs: the gpu worker derives them from the run id (it may not share this worker's paths).
  const ref = await training.trainVerifier({
    runId,
    kind: sw.kind,
    baseModel,
    datasetPath: ds.path,
    outDir: '',
    cfg: sw,
  });
  const stored = await pipeline.recordCheckpoint({ runId, stage: 'sweWorld', ref });
  const onnxDir =
    config.stages.tts.backend === 'onnx' && sw.kind === 'orm'
      ? (await training.exportOnnx({ model: stored.path, outDir: '', runId })).onnxDir
      : null;
  control.report({ kind: 'stage', stage: 'sweWorld', done: 1, total: 1 });
  return { datasetId: ds.datasetId, rows: ds.rows, checkpointId: stored.checkpointId, path: stored.path, onnxDir };
}
