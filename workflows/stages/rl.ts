// GRPO with real execution. Each iteration: a seeded batch of tasks from the mixed pool, G rollouts each with the
// current policy, leave-one-out advantages over unmasked members, one training step, a new checkpoint. The loop
// continues-as-new every `continueAsNewEvery` iterations or when Temporal suggests it, carrying only ids.
import type { RlSummary } from '../../contracts/pipeline.ts';
import type { RlIterationMetrics } from '../../contracts/rl.ts';
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RunConfig } from '../../config/schema.ts';
import { pipeline } from '../activities.ts';
import { controlled, type Control } from '../control.ts';
import { SA } from '../definitions.ts';
import { failure } from '../errors.ts';
import { baseWeights, type PolicyWeights } from '../policy.ts';
import { asyncLoop, type CarriedRollouts } from './rlAsync.ts';
import { runIteration, type IterationContext } from './rlIteration.ts';

export interface RlInput {
  runId: string;
  /** Present on the first execution; after continue-as-new the loop reloads it by runId. */
  config?: RunConfig;
  /** Where a continued execution picks up; absent: read from rl_iterations (a fresh start or a resume). */
  fromIteration?: number;
  checkpoint?: PolicyWeights | null;
  /** Tasks the canaries quarantined in earlier executions (absent: read from the store, or none). */
  quarantined?: string[];
  /** Async mode: the iteration whose rollouts the previous execution finished, to be trained first. */
  asyncCarried?: CarriedRollouts;
}

export async function rlWorkflow(input: RlInput): Promise<RlSummary> {
  return controlled((control) => rlStage(input, control));
}

/** Where this execution starts: the continued execution's carried point, else the recorded resume point. */
async function startPoint(input: RlInput, config: RunConfig): Promise<{ it: number; weights: PolicyWeights | null }> {
  if (input.fromIteration !== undefined) return { it: input.fromIteration, weights: input.checkpoint ?? null };
  const point = await pipeline.rlResumePoint({ runId: input.runId });
  return { it: point.nextIteration, weights: point.checkpoint ?? baseWeights(config.models) };
}

/** The tasks RL samples from: the difficulty stage's kept ones, else the run's training tasks. */
async function taskPool(runId: string, config: RunConfig): Promise<string[]> {
  const pool =
    (await pipeline.taskPool({ runId, keep: config.stages.filter.keep })) ??
    (await pipeline.loadRunTasks({ runId, tasks: config.tasks, seed: config.seed })).train;
  if (pool.length === 0)
    throw failure('EmptyPool', 'stages.rl: the task pool is empty (no task with 0 < p < 1 after difficulty)');
  return pool;
}

async function rlStage(input: RlInput, control: Control): Promise<RlSummary> {
  const { runId } = input;
  const config = input.config ?? (await pipeline.getRunConfig({ runId }));
  const rl = config.stages.rl;
  const start = await startPoint(input, config);
  let it = start.it;
  if (!start.weights)
    throw failure('ConfigError', 'stages.rl: no policy weights to train: enable stages.sft or set models.baseModelDir');
  let weights: PolicyWeights = start.weights;
  const pool = await taskPool(runId, config);
  // Histories recorded before the canaries keep their command sequence (no canary, no quarantine read).
  const canaries = patched('rl-canaries');
  let quarantined = new Set(input.quarantined ?? []);
  if (canaries && input.quarantined === undefined) quarantined = new Set(await pipeline.quarantinedTasks({ runId }));
  const ctx: IterationContext = { runId, config, pool, canaries, control };
  const progress = (done: number, rlIteration: number) =>
    control.report({
      kind: 'stage',
      stage: 'rl',
      done,
      total: rl.iterations,
      rlIteration,
      checkpoint: weights.checkpointId,
    });

  let last: RlIterationMetrics | null = null;
  if (rl.mode === 'async') {
    const report = (done: number, rlIteration: number, w: PolicyWeights) => {
      weights = w;
      progress(done, rlIteration);
    };
    progress(it - 1, it);
    const start = { it, weights, quarantined, ...(input.asyncCarried ? { carried: input.asyncCarried } : {}) };
    ({ weights, last } = await asyncLoop(ctx, start, report));
    it = rl.iterations + 1;
  }
  for (let ranHere = 0; it <= rl.iterations;) {
    await control.waitIfPaused();
    upsertSearchAttributes([{ key: SA.rlIteration, value: it }]);
    progress(it - 1, it);
    const iteration: number = it;
    const out = await runIteration(ctx, iteration, { weights, quarantined });
    ({ weights, quarantined } = out);
    last = out.metrics;
    progress(iteration, iteration);
    it = iteration + 1;
    ranHere++;
    if (it <= rl.iterations && (ranHere >= rl.continueAsNewEvery || workflowInfo().continueAsNewSuggested)) {
      await condition(allHandlersFinished);
      const carried = canaries ? { quarantined: [...quarantined].sort() } : {};
      return continueAsNew<typeof rlWorkflow>({ runId, fromIteration: it, checkpoint: weights, ...carried });
    }
  }
  return {
    iterations: rl.iterations,
    checkpointId: weights.checkpointId,
    path: weights.path,
    meanReward: last?.meanReward ?? null,
    resolvedRate: last?.resolvedRate ?? null,
  };
}
