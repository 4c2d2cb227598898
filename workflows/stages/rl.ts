// GRPO with real execution. Each iteration: a seeded batch of tasks from the mixed pool, G rollouts each with the
// current policy, leave-one-out advantages over unmasked members, one training step, a new checkpoint. The loop
// continues-as-new every `continueAsNewEvery` iterations or when Temporal suggests it, carrying only ids.
import type { CheckpointRef } from '../../contracts/gpu.ts';
import type { RlIterationMetrics, RlSummary, StoredCheckpoint } from '../../contracts/pipeline.ts';
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RunConfig } from '../../config/schema.ts';
import { hashSeed, rlSampleIndex, rlSampleRange, sampleTasks } from '../../core/sampling.ts';
import { pipeline, training } from '../activities.ts';
import { controlled, type Control } from '../control.ts';
import { SA } from '../definitions.ts';
import { failure } from '../errors.ts';
import { baseWeights, withPolicy, type PolicyWeights } from '../policy.ts';
import { canaryTasks, maskFlaky, runCanaries } from './canaries.ts';
import { prepareImages } from './diskBudget.ts';
import { range, stageRollouts } from './rollouts.ts';

export interface RlInput {
  runId: string;
  /** Present on the first execution; after continue-as-new the loop reloads it by runId. */
  config?: RunConfig;
  /** Where a continued execution picks up; absent: read from rl_iterations (a fresh start or a resume). */
  fromIteration?: number;
  checkpoint?: PolicyWeights | null;
  /** Tasks the canaries quarantined in earlier executions (absent: read from the store, or none). */
  quarantined?: string[];
}

export async function rlWorkflow(input: RlInput): Promise<RlSummary> {
  return controlled((control) => rlStage(input, control));
}

async function rlStage(input: RlInput, control: Control): Promise<RlSummary> {
  const { runId } = input;
  const config = input.config ?? (await pipeline.getRunConfig({ runId }));
  const rl = config.stages.rl;
  const G = rl.groupSize;
  let it: number;
  let weights: PolicyWeights | null = input.checkpoint ?? null;
  if (input.fromIteration !== undefined) it = input.fromIteration;
  else {
    const point = await pipeline.rlResumePoint({ runId });
    it = point.nextIteration;
    weights = point.checkpoint ?? baseWeights(config.models);
  }
  if (!weights)
    throw failure('ConfigError', 'stages.rl: no policy weights to train: enable stages.sft or set models.baseModelDir');
  const pool =
    (await pipeline.taskPool({ runId, keep: config.stages.filter.keep })) ??
    (await pipeline.loadRunTasks({ runId, tasks: config.tasks, seed: config.seed })).train;
  if (pool.length === 0)
    throw failure('EmptyPool', 'stages.rl: the task pool is empty (no task with 0 < p < 1 after difficulty)');
  // Histories recorded before the canaries keep their command sequence (no canary, no quarantine read).
  const canaries = patched('rl-canaries');
  let quarantined = new Set(input.quarantined ?? []);
  if (canaries && input.quarantined === undefined) quarantined = new Set(await pipeline.quarantinedTasks({ runId }));

  let last: RlIterationMetrics | null = null;
  for (let ranHere = 0; it <= rl.iterations;) {
    await control.waitIfPaused();
    upsertSearchAttributes([{ key: SA.rlIteration, value: it }]);
    control.report({
      kind: 'stage',
      stage: 'rl',
      done: it - 1,
      total: rl.iterations,
      rlIteration: it,
      checkpoint: weights.checkpointId,
    });
    const iteration: number = it;
    const eligible = pool.filter((t) => !quarantined.has(t));
    if (eligible.length === 0)
      throw failure('EmptyPool', `stages.rl: every task of the pool is quarantined (harness_flaky canaries)`);
    const batch = sampleTasks(eligible, rl.batchTasks, hashSeed(config.seed, 'rl', iteration));
    const items = batch.flatMap((taskId) => range(G).map((j) => ({ taskId, sample: rlSampleIndex(iteration, G, j) })));
    const next =
      iteration < rl.iterations ? sampleTasks(eligible, rl.batchTasks, hashSeed(config.seed, 'rl', iteration + 1)) : [];
    await prepareImages(runId, config.sandbox.diskBudgetGb, batch, next, pool);
    // The canaries run beside the rollouts; their verdict is needed only before the batch is built.
    const canary = canaries
      ? runCanaries(runId, config, iteration, canaryTasks(rl.canaries, config.seed, iteration, batch))
      : null;
    canary?.catch(() => undefined); // awaited below; handled here too in case the rollouts throw first
    await withPolicy(runId, config.models.policy, weights, `rl-${iteration}`, (p) =>
      stageRollouts(
        {
          runId,
          config,
          stage: 'rl',
          progressStage: 'rl',
          models: [p],
          items,
          label: `iter-${iteration}`,
          samples: rlSampleRange(iteration, G),
        },
        control,
      ),
    );
    const checked = await canary;
    if (checked) {
      await maskFlaky(runId, iteration, G, checked.flipped);
      quarantined = new Set(checked.quarantined);
    }
    await control.waitIfPaused();
    const b = await pipeline.buildGrpoBatch({
      runId,
      iteration,
      groupSize: G,
      toolFormat: config.models.policy.toolFormat,
    });
    // A batch where every member is masked or alone in its group has no gradient: keep the policy as it is. Nor has
    // one whose every contributing group got equal rewards: every advantage is 0 and the loss has no KL term
    // (klCoef is 0), so a step would write a copy of the policy (less AdamW's decay) and swap the server to it.
    // Histories recorded before that rule keep their step (the patch marker).
    const signal =
      b.activeMembers > 0 &&
      (b.zeroVarianceGroups < b.contributingGroups || rl.stepWithoutSignal || !patched('rl-skip-zero-advantage'));
    if (signal) {
      const ref: CheckpointRef = await training.grpoStep({
        runId,
        iteration,
        model: weights.path,
        batchPath: b.batchPath,
        outDir: '', // the gpu worker derives it from (run, iteration): a retry resumes in the same dir
        rl,
        training: config.training,
      });
      const stored: StoredCheckpoint = await pipeline.recordCheckpoint({ runId, stage: 'rl', ref });
      weights = { checkpointId: stored.checkpointId, path: stored.path };
    }
    last = await pipeline.recordRlIteration({
      runId,
      iteration,
      groupSize: G,
      checkpointId: weights.checkpointId,
      extra: {
        groups: b.groups,
        contributingGroups: b.contributingGroups,
        zeroVarianceGroups: b.zeroVarianceGroups,
        stepSkipped: signal ? 0 : 1,
      },
    });
    control.report({
      kind: 'stage',
      stage: 'rl',
      done: iteration,
      total: rl.iterations,
      rlIteration: iteration,
      checkpoint: weights.checkpointId,
    });
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
