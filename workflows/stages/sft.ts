// Long-horizon SFT on the filtered trajectories; without models.baseModelDir the trainer first makes a tiny model.
import type { SftSummary, StageInput, StoredCheckpoint } from '../../contracts/pipeline.ts';
import { pipeline, trainingActivities } from '../activities.ts';
import { controlled, type Control } from '../control.ts';
import { failure } from '../errors.ts';
import { withPolicy } from '../policy.ts';
import { range, stageRollouts } from './rollouts.ts';

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
  const rounds = config.stages.sft.rounds ?? 1;
  control.report({ kind: 'stage', stage: 'sft', done: 0, total: rounds });
  // Empty out dirs: the gpu worker derives them from ids (it may not share this worker's paths).
  const baseModel =
    config.models.baseModelDir ??
    (await trainingActivities(config).makeTinyModel({ outDir: '', corpusFiles: [data.path], seed: config.seed })).path;
  const ref = await trainingActivities(config).trainSft({
    runId,
    stage: 'sft',
    baseModel,
    datasetPath: data.path,
    outDir: '',
    sft: config.stages.sft,
    training: config.training,
  });
  let stored = await pipeline.recordCheckpoint({ runId, stage: 'sft', ref });
  control.report({ kind: 'stage', stage: 'sft', done: 1, total: rounds, checkpoint: stored.checkpointId });
  for (let round = 2; round <= rounds; round++) {
    stored = await rejectionRound({ runId, config }, round, stored, control);
    control.report({ kind: 'stage', stage: 'sft', done: round, total: rounds, checkpoint: stored.checkpointId });
  }
  return { checkpointId: stored.checkpointId, path: stored.path, step: stored.step, baseModel };
}

/**
 * One SWE-Gym rejection-sampling round after the first: the checkpoint just trained samples every training task
 * (served like RL's policy, so the rows name it), the resolved trajectories are capped per instance, and that
 * checkpoint is fine-tuned on them. A round with nothing resolved keeps the checkpoint it started from.
 */
async function rejectionRound(
  { runId, config }: StageInput,
  round: number,
  from: StoredCheckpoint,
  control: Control,
): Promise<StoredCheckpoint> {
  const sft = config.stages.sft;
  const samples = { from: (round - 2) * sft.roundSamples, to: (round - 1) * sft.roundSamples };
  const { train } = await pipeline.loadRunTasks({ runId, tasks: config.tasks, seed: config.seed });
  const items = train.flatMap((taskId) => range(sft.roundSamples).map((j) => ({ taskId, sample: samples.from + j })));
  await withPolicy(runId, config.models.policy, from, `rft-${round}`, (p) =>
    stageRollouts(
      { runId, config, stage: 'rft', progressStage: 'sft', models: [p], items, label: `round-${round}`, samples },
      control,
    ),
  );
  const data = await pipeline.buildSftDataset({
    runId,
    filter: { ...config.stages.filter, keep: 'all' },
    seed: config.seed,
    toolFormat: config.models.policy.toolFormat,
    sources: ['rft'],
    samples,
    name: `sft-round-${round}`,
  });
  if (data.rows === 0) {
    control.report({ kind: 'stage', stage: 'sft', note: `round ${round}: no resolved trajectory, checkpoint kept` });
    return from;
  }
  const ref = await trainingActivities(config).trainSft({
    runId,
    stage: 'sft',
    round,
    baseModel: from.path,
    datasetPath: data.path,
    outDir: '',
    sft,
    training: config.training,
  });
  return pipeline.recordCheckpoint({ runId, stage: 'sft', ref });
}
