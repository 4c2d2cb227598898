// The harness as Temporal activities on the rollout queue (they need Docker): grade a patch on a stored task,
// and build task images ahead of a fan-out. An infra_error outcome is returned, not thrown: the caller decides
// whether to retry or mask (a rollout masks it; a validation reports it).
import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { InputError } from '../../core/errors.ts';
import { ensureEnvironmentImage } from '../../infra/images/environment.ts';
import type { SandboxConfig } from '../../contracts/rollout.ts';
import type { ActivityDeps } from '../deps.ts';
import { createTaskStore } from '../tasks/store.ts';
import { evaluatePatch, type EvaluationResult } from './evaluate.ts';

export interface EvaluateTaskPatchInput {
  taskId: string;
  patch: string;
  sandbox: SandboxConfig;
  runId?: string;
  activity?: string;
}

export interface BuildTaskImagesInput {
  ids: string[];
}

export interface BuildTaskImagesResult {
  built: string[];
  failed: { instance_id: string; error: string }[];
}

export function createHarnessActivities(deps: ActivityDeps) {
  const store = createTaskStore(deps.pool);
  const docker = () => {
    if (!deps.docker)
      throw ApplicationFailure.nonRetryable('the harness needs a Docker client (rollout worker)', 'ConfigError');
    return deps.docker;
  };
  const getTask = async (id: string) => {
    try {
      return await store.get(id);
    } catch (err) {
      if (err instanceof InputError) throw ApplicationFailure.nonRetryable(err.message, 'InputError');
      throw err;
    }
  };
  return {
    async evaluateTaskPatch(input: EvaluateTaskPatchInput): Promise<EvaluationResult> {
      const task = await getTask(input.taskId);
      const beat = setInterval(() => heartbeat({ taskId: input.taskId }), 10_000);
      try {
        return await evaluatePatch(docker(), task, input.patch, {
          sandbox: input.sandbox,
          labels: { run: input.runId, activity: input.activity ?? 'evaluate' },
          source: task.source_path ? { repoPath: task.source_path } : undefined,
        });
      } finally {
        clearInterval(beat);
      }
    },

    async buildTaskImages(input: BuildTaskImagesInput): Promise<BuildTaskImagesResult> {
      const out: BuildTaskImagesResult = { built: [], failed: [] };
      for (const task of await store.list({ ids: input.ids })) {
        heartbeat({ done: out.built.length + out.failed.length });
        try {
          const source = task.source_path && !task.image_name ? { repoPath: task.source_path } : undefined;
          out.built.push(await ensureEnvironmentImage(docker(), task, { source }));
        } catch (err) {
          out.failed.push({ instance_id: task.instance_id, error: (err as Error).message });
        }
      }
      return out;
    },
  };
}
