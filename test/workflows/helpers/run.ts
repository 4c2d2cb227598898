// Starting pipelines and reading what they did, for the workflow tests.
import type { WorkflowHandle } from '@temporalio/client';
import { TASK_QUEUES, WORKFLOW_TYPES, runWorkflowId } from '../../../core/constants.ts';
import type { RunConfigInput } from '../../../config/schema.ts';
import type { PipelineResult } from '../../../workflows/pipeline.ts';
import { testConfig, type PipelineEnv } from './env.ts';

export async function startPipeline(
  env: PipelineEnv,
  runId: string,
  config: RunConfigInput = testConfig(env),
): Promise<WorkflowHandle> {
  return env.client.workflow.start(WORKFLOW_TYPES.pipeline, {
    taskQueue: TASK_QUEUES.orchestrator,
    workflowId: runWorkflowId(runId),
    args: [{ runId, config }],
  });
}

export async function runPipeline(env: PipelineEnv, runId: string, config?: RunConfigInput) {
  const handle = await startPipeline(env, runId, config);
  return { handle, result: (await handle.result()) as PipelineResult };
}

/** Workflow types of the children the execution started, in order. */
export async function childTypes(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name)
    .filter((n): n is string => !!n);
}

/** Polls until fn returns a value (visibility and status catch up asynchronously). */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export async function listIds(env: PipelineEnv, query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of env.client.workflow.list({ query })) ids.push(w.workflowId);
  return ids;
}
