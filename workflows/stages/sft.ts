// Long-horizon SFT on the filtered trajectories; without models.baseModelDir the trainer first makes a tiny model.
import type { SftSummary, StageInput } from '../../activities/pipeline/types.ts';
import { pipeline, training } from '../activities.ts';
import { controlled, type Control } from '../control.ts';
import { failure } from '../errors.ts';

export async function sftWorkflow(input: StageInput): Promise<SftSummary> {
  return controlled((control) => sftStage(input, control));
}

async function sftStage({ runId, config }: StageInput, control: Control): Promise<SftSummary> {
  const data = await pipeline.getStageResult({ runId, stage: 'filter' });
  if (!data)
    throw failure(
      'ConfigError',
      "stages.filter: sft needs the filter stage's dataset; enable stages.filter or run it first",
    );
  if (data.rows === 0) {
    const removed = Object.entries(data.removed)
      .filter(([, n]) => n > 0)
      .map(([rule, n]) => `${rule} ${n}`)
      .join(', ');
    throw failure(
      'EmptyDataset',
      `sft: the filter kept 0 of ${data.candidates} trajectories (removed: ${removed || 'none'}); nothing to train on`,
    );
  }
  control.report({ kind: 'stage', stage: 'sft', done: 0, total: 1 });
  // Empty out dirs: the gpu worker derives them from ids (it may not share this worker's paths).
  const baseModel =
    config.models.baseModelDir ??
    (await training.makeTinyModel({ outDir: '', corpusFiles: [data.path], seed: config.seed })).path;
  const ref = await training.trainSft({
    runId,
    stage: 'sft',
    baseModel,
    datasetPath: data.path,
    outDir: '',
    sft: config.stages.sft,
    training: config.training,
  });
  const stored = await pipeline.recordCheckpoint({ runId, stage: 'sft', ref });
  control.report({ kind: 'stage', stage: 'sft', done: 1, total: 1, checkpoint: stored.checkpointId });
  return { checkpointId: stored.checkpointId, path: stored.path, step: stored.step, baseModel };
}
