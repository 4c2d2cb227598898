// The gpu worker's activities (contracts/gpu.ts GpuActivities): trainer jobs and policy servers, sharing one child
// registry (everything is signalled when the worker process exits) and one GPU count per process.
import type { ActivityDeps } from '../deps.ts';
import type { GpuActivities } from '../../contracts/gpu.ts';
import { createTrainingActivities } from './activities.ts';
import { loadTrainingEnv, type TrainingEnv } from './env.ts';
import { detectGpus } from './launch.ts';
import { createPolicyServerActivities } from './policyServer.ts';
import { createChildRegistry } from './processes.ts';

export interface GpuActivityOptions {
  /** Default: read from process.env once, here. Tests pass their own. */
  env?: TrainingEnv;
}

export function createGpuTrainingActivities(
  deps: Pick<ActivityDeps, 'pool' | 'settings'>,
  options: GpuActivityOptions = {},
): GpuActivities {
  const env = options.env ?? loadTrainingEnv();
  let gpuCount: Promise<number> | undefined;
  const runner = {
    settings: deps.settings,
    env,
    children: createChildRegistry(),
    gpus: () => (gpuCount ??= detectGpus(env.gpus)),
  };
  return { ...createTrainingActivities({ ...runner, pool: deps.pool }), ...createPolicyServerActivities(runner) };
}
