// Which activities each worker role serves. Each group is a factory taking its clients.
import { hostname } from 'node:os';
import type { WorkerRole } from '../core/constants.ts';
import type { RolloutActivities } from '../contracts/rollout.ts';
import type { ActivityDeps } from './deps.ts';
import { createEventActivities } from './events.ts';
import { createAgentActivities } from './agent/activity.ts';
import { createHarnessActivities } from './harness/activities.ts';
import { createCanaryActivities } from './harness/canary.ts';
import { createDiskBudgetActivities } from './harness/diskBudget.ts';
import { createPipelineActivities } from './pipeline/index.ts';
import { createScoringActivities } from './scoring/index.ts';
import { createGpuTrainingActivities } from './training/index.ts';

export function createOrchestratorActivities(deps: ActivityDeps) {
  return { ...createEventActivities(deps), ...createPipelineActivities(deps), ...createScoringActivities(deps) };
}

/** Which host and process serves a role: lets a user (and the fault tests) see where work runs. */
const workerInfo = (role: WorkerRole) => async () => ({ role, host: hostname(), pid: process.pid });

export function createRolloutActivities(deps: ActivityDeps) {
  const queue = {
    ...createAgentActivities(deps),
    ...createHarnessActivities(deps),
    ...createCanaryActivities(deps),
    ...createDiskBudgetActivities(deps),
  } satisfies RolloutActivities;
  return { rolloutWorkerInfo: workerInfo('rollout'), ...queue };
}

export function createGpuActivities(deps: ActivityDeps) {
  return { gpuWorkerInfo: workerInfo('gpu'), ...createGpuTrainingActivities(deps) };
}

export function activitiesForRole(role: WorkerRole, deps: ActivityDeps): Record<string, (...args: never[]) => unknown> {
  switch (role) {
    case 'orchestrator':
      return createOrchestratorActivities(deps);
    case 'rollout':
      return createRolloutActivities(deps);
    case 'gpu':
      return createGpuActivities(deps);
  }
}
