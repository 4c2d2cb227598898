// The orchestrator's pipeline activities: the stages' semantics over Postgres and the artifact store.
import type { PipelineActivities } from '../../contracts/pipeline.ts';
import type { ActivityDeps } from '../deps.ts';
import { createCheckpointActivities } from './checkpoints.ts';
import { createDifficultyActivities } from './difficulty.ts';
import { createEvaluationActivities } from './evaluation.ts';
import { createQuarantineActivities } from './quarantine.ts';
import { createRlActivities } from './rl.ts';
import { createRolloutQueryActivities } from './rollouts.ts';
import { createRunActivities } from './runs.ts';
import { createSftDatasetActivities } from './sftDataset.ts';
import { createTaskActivities } from './tasks.ts';

export function createPipelineActivities(deps: Pick<ActivityDeps, 'pool' | 'settings'>) {
  return {
    ...createRunActivities(deps),
    ...createTaskActivities(deps),
    ...createDifficultyActivities(deps),
    ...createSftDatasetActivities(deps),
    ...createRlActivities(deps),
    ...createQuarantineActivities(deps),
    ...createRolloutQueryActivities(deps),
    ...createCheckpointActivities(deps),
    ...createEvaluationActivities(deps),
  } satisfies PipelineActivities;
}
