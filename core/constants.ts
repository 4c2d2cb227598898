// Names shared by workers, workflows, the CLI and tests: typed once, here.

export const TASK_QUEUES = {
  orchestrator: 'swe-forge-orchestrator',
  rollout: 'swe-forge-rollout',
  gpu: 'swe-forge-gpu',
} as const;
export type WorkerRole = keyof typeof TASK_QUEUES;
export const WORKER_ROLES = Object.keys(TASK_QUEUES) as WorkerRole[];

/** Custom search attributes, registered at start-up and upserted as a run moves. */
export const SEARCH_ATTRIBUTES = {
  stage: { name: 'SweForgeStage', type: 'Keyword' },
  recipe: { name: 'SweForgeRecipe', type: 'Keyword' },
  model: { name: 'SweForgeModel', type: 'Keyword' },
  rlIteration: { name: 'SweForgeRlIteration', type: 'Int' },
} as const;

export const WORKFLOW_TYPES = {
  pipeline: 'pipelineWorkflow',
  evaluation: 'evaluationWorkflow',
  hello: 'helloWorkflow',
} as const;

/** Workflow ids are business keys: `run-<id>`, `run-<id>/rl/iter-12`. */
export function runWorkflowId(runId: string): string {
  return `run-${runId}`;
}
export function stageWorkflowId(runId: string, stage: string, suffix?: string): string {
  return suffix ? `run-${runId}/${stage}/${suffix}` : `run-${runId}/${stage}`;
}

/** Labels on every container and image this project makes, so `images prune` and the reaper find only ours. */
export const DOCKER_LABELS = {
  managed: 'org.swe-forge.managed',
  kind: 'org.swe-forge.kind',
  run: 'org.swe-forge.run',
  activity: 'org.swe-forge.activity',
  task: 'org.swe-forge.task',
  createdAt: 'org.swe-forge.created-at',
} as const;
