// The rollout activity on the `rollout` task queue. performRollout does the work; this file gives it the worker's
// clients and Temporal's context (attempt, heartbeat, cancellation) and translates failures: infrastructure and
// unreachable models retry (the workflow's retry policy, maximumAttempts = sandbox.infraMaxAttempts), a wrong
// config or unknown task fails at once.
import { activityInfo, cancellationSignal, heartbeat, log } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { ConfigError, InfraError, InputError, ServiceUnavailableError } from '../../core/errors.ts';
import { evaluatePatch } from '../harness/evaluate.ts';
import { ensureEnvironmentImage } from '../../infra/images/environment.ts';
import { createTaskStore } from '../tasks/store.ts';
import type { ActivityDeps } from '../deps.ts';
import type { RolloutInput, RolloutSummary } from '../../contracts/rollout.ts';
import { createModelResolver } from './models.ts';
import { ModelConfigError, ModelUnavailableError } from './protocols.ts';
import { performRollout, type RolloutDeps, type RolloutTask } from './rollout.ts';
import { writeContext } from './contextStore.ts';
import { trajectoryPath } from '../trajectory/store.ts';

export function toActivityFailure(err: unknown): unknown {
  if (err instanceof CancelledFailure || err instanceof ApplicationFailure) return err;
  const e = err as Error;
  if (err instanceof InfraError || err instanceof ServiceUnavailableError)
    return ApplicationFailure.retryable(e.message, 'InfraError');
  if (err instanceof ModelUnavailableError) return ApplicationFailure.retryable(e.message, 'ModelUnavailable');
  if (err instanceof ModelConfigError || err instanceof ConfigError)
    return ApplicationFailure.nonRetryable(e.message, 'ConfigError');
  if (err instanceof InputError) return ApplicationFailure.nonRetryable(e.message, 'InputError');
  return err;
}

/** Rollout dependencies from the worker's clients (the CLI builds the same outside Temporal). */
export function createRolloutDeps(deps: ActivityDeps, o: { env?: NodeJS.ProcessEnv; modelRetries?: number } = {}) {
  const { docker } = deps;
  if (!docker) throw new ConfigError('the rollout activities need a Docker client (run them on a rollout worker)');
  const tasks = createTaskStore(deps.pool);
  const getTask = async (id: string): Promise<RolloutTask | undefined> => {
    try {
      return await tasks.get(id);
    } catch (err) {
      if (err instanceof InputError && /unknown task id/.test(err.message)) return undefined;
      throw err;
    }
  };
  const models = createModelResolver({ getTask, env: o.env, maxRetries: o.modelRetries });
  const rolloutDeps: RolloutDeps = {
    pool: deps.pool,
    docker,
    artifactsDir: deps.settings.artifactsDir,
    getTask,
    model: (input) => models.resolve(input),
    async prepareImage(task) {
      // A published image: pulled (auth from the engine's config) and scrubbed in a derived image first.
      return ensureEnvironmentImage(docker, task, {
        source: task.source_path && !task.image_name ? { repoPath: task.source_path } : undefined,
      });
    },
    async evaluate(task, patch, input: RolloutInput) {
      const r = await evaluatePatch(docker, task, patch, {
        sandbox: input.sandbox,
        labels: { run: input.runId, activity: `evaluate/${input.stage}/${input.sample}` },
        timeoutSec: input.sandbox.testTimeoutSec,
        source: task.source_path ? { repoPath: task.source_path } : undefined,
      });
      // SWE-World's view of the code (issue 14), next to the trajectory the rollout writes.
      await writeContext(trajectoryPath(deps.settings.artifactsDir, input), r.context);
      return r;
    },
  };
  return { rolloutDeps, models };
}

export function createAgentActivities(deps: ActivityDeps, o: { env?: NodeJS.ProcessEnv; modelRetries?: number } = {}) {
  // Built on first use: an orchestrator-only process that imports the registry needs no Docker client.
  let built: ReturnType<typeof createRolloutDeps> | undefined;
  return {
    async runRollout(input: RolloutInput): Promise<RolloutSummary> {
      try {
        built ??= createRolloutDeps(deps, o);
        return await performRollout(built.rolloutDeps, input, {
          attempt: activityInfo().attempt,
          signal: cancellationSignal(),
          heartbeat: (d) => heartbeat(d),
          warn: (message, fields) => log.warn(message, fields),
        });
      } catch (err) {
        throw toActivityFailure(err);
      }
    },
  };
}
