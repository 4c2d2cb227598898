// Teacher distillation: teachers x training tasks x samples rollouts, fanned out with a bounded window.
import type { DistillSummary, StageInput } from '../../contracts/pipeline.ts';
import { pipeline } from '../activities.ts';
import { controlled, type Control } from '../control.ts';
import { failure } from '../errors.ts';
import { range, stageRollouts } from './rollouts.ts';

export async function distillWorkflow(input: StageInput): Promise<DistillSummary> {
  return controlled((control) => distillStage(input, control));
}

async function distillStage({ runId, config }: StageInput, control: Control): Promise<DistillSummary> {
  const teachers = config.models.teachers;
  if (teachers.length === 0) {
    throw failure(
      'ConfigError',
      'models.teachers: distillation needs at least one teacher (or set stages.distill.enabled: false)',
    );
  }
  const trainerTeacher = teachers.find((t) => t.kind === 'trainer');
  if (trainerTeacher)
    throw failure('ConfigError', `models.teachers: ${trainerTeacher.name} is of kind trainer; teachers are endpoints`);
  const { train } = await pipeline.loadRunTasks({ runId, tasks: config.tasks, seed: config.seed });
  const s = config.stages.distill.samplesPerTask;
  // (run, stage, task, sample) is unique, so each teacher owns a block of sample indices.
  const items = train.flatMap((taskId) =>
    teachers.flatMap((_, m) => range(s).map((k) => ({ taskId, sample: m * s + k, model: m }))),
  );
  const tally = await stageRollouts(
    {
      runId,
      config,
      stage: 'distill',
      progressStage: 'distill',
      models: teachers.map((t) => ({ model: t, policyVersion: t.name })),
      items,
      window: config.stages.distill.window,
      label: 'rollouts',
    },
    control,
  );
  return {
    rollouts: tally.done,
    resolved: tally.resolved,
    masked: tally.masked,
    failed: tally.failed,
    teachers: teachers.map((t) => t.name),
  };
}
