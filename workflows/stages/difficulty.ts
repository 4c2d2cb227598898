// Best-of-N difficulty: n rollouts per training task with the configured model, then pass rates and a histogram.
import type { DifficultySummary, StageInput } from '../../contracts/pipeline.ts';
import { pipeline } from '../activities.ts';
import { controlled, type Control } from '../control.ts';
import { failure } from '../errors.ts';
import { baseWeights, withPolicy, type ServedPolicy } from '../policy.ts';
import { range, stageRollouts } from './rollouts.ts';

export async function difficultyWorkflow(input: StageInput): Promise<DifficultySummary> {
  return controlled((control) => difficultyStage(input, control));
}

async function difficultyStage({ runId, config }: StageInput, control: Control): Promise<DifficultySummary> {
  const d = config.stages.difficulty;
  const { train } = await pipeline.loadRunTasks({ runId, tasks: config.tasks, seed: config.seed });
  const items = train.flatMap((taskId) => range(d.n).map((sample) => ({ taskId, sample })));
  const run = (p: ServedPolicy) =>
    stageRollouts(
      { runId, config, stage: 'difficulty', progressStage: 'difficulty', models: [p], items, label: 'best-of-n' },
      control,
    );
  let model: string;
  if (d.model === 'teacher') {
    const teacher = config.models.teachers[0];
    if (!teacher) throw failure('ConfigError', 'stages.difficulty.model: "teacher" but models.teachers is empty');
    model = teacher.name;
    await run({ model: teacher, policyVersion: teacher.name });
  } else {
    model = config.models.policy.name;
    await withPolicy(runId, config.models.policy, baseWeights(config.models), 'difficulty', run);
  }
  return pipeline.computeDifficulty({ runId, model });
}
