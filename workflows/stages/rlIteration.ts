// One GRPO iteration of the RL stage, as named steps: sample the batch, run its rollouts (the canaries beside
// them), build the GRPO batch, take a step when the batch has a learning signal, record the iteration. The loop,
// resume point and continue-as-new are in rl.ts. Deterministic: the steps call activities in the order the
// recorded histories hold.
import type { CheckpointRef } from '../../contracts/gpu.ts';
import type { GrpoBatchRef, RlIterationMetrics } from '../../contracts/pipeline.ts';
import { patched } from '@temporalio/workflow';
import type { RunConfig } from '../../config/schema.ts';
import { hashSeed, rlSampleIndex, rlSampleRange, sampleTasks } from '../../core/sampling.ts';
import { pipeline, training } from '../activities.ts';
import type { Control } from '../control.ts';
import { failure } from '../errors.ts';
import { withPolicy, type PolicyWeights } from '../policy.ts';
import { canaryTasks, maskFlaky, runCanaries } from './canaries.ts';
import { prepareImages } from './diskBudget.ts';
import { range, stageRollouts } from './rollouts.ts';

export interface IterationContext {
  runId: string;
  config: RunConfig;
  /** The tasks RL samples from (the difficulty stage's mixed ones, or the run's training tasks). */
  pool: string[];
  /** Whether this history runs canaries (patch marker rl-canaries, read once per execution). */
  canaries: boolean;
  control: Control;
}

export interface IterationState {
  weights: PolicyWeights;
  quarantined: Set<string>;
}

export interface IterationOutcome extends IterationState {
  metrics: RlIterationMetrics;
}

/** The iteration's tasks (seeded by run and iteration) and the next one's, for the image prefetch. */
function sampleBatch(c: IterationContext, iteration: number, quarantined: Set<string>) {
  const rl = c.config.stages.rl;
  const eligible = c.pool.filter((t) => !quarantined.has(t));
  if (eligible.length === 0)
    throw failure('EmptyPool', `stages.rl: every task of the pool is quarantined (harness_flaky canaries)`);
  const batch = sampleTasks(eligible, rl.batchTasks, hashSeed(c.config.seed, 'rl', iteration));
  const next =
    iteration < rl.iterations ? sampleTasks(eligible, rl.batchTasks, hashSeed(c.config.seed, 'rl', iteration + 1)) : [];
  return { batch, next };
}

/** G rollouts per task with the current policy served; the canaries re-validate a sample of the batch meanwhile. */
async function rolloutsWithCanaries(
  c: IterationContext,
  iteration: number,
  batch: string[],
  s: IterationState,
): Promise<Set<string>> {
  const { runId, config } = c;
  const G = config.stages.rl.groupSize;
  const items = batch.flatMap((taskId) => range(G).map((j) => ({ taskId, sample: rlSampleIndex(iteration, G, j) })));
  // The canaries run beside the rollouts; their verdict is needed only before the batch is built.
  const canary = c.canaries
    ? runCanaries(runId, config, iteration, canaryTasks(config.stages.rl.canaries, config.seed, iteration, batch))
    : null;
  canary?.catch(() => undefined); // awaited below; handled here too in case the rollouts throw first
  await withPolicy(runId, config.models.policy, s.weights, `rl-${iteration}`, (p) =>
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
      c.control,
    ),
  );
  const checked = await canary;
  if (!checked) return s.quarantined;
  await maskFlaky(runId, iteration, G, checked.flipped);
  return new Set(checked.quarantined);
}

/**
 * A batch where every member is masked or alone in its group has no gradient: keep the policy as it is. Nor has
 * one whose every contributing group got equal rewards: every advantage is 0 and the loss has no KL term (klCoef
 * is 0), so a step would write a copy of the policy (less AdamW's decay) and swap the server to it. Histories
 * recorded before that rule keep their step (the patch marker, asked only when the rule would skip).
 */
function hasSignal(b: GrpoBatchRef, rl: RunConfig['stages']['rl']): boolean {
  return (
    b.activeMembers > 0 &&
    (b.zeroVarianceGroups < b.contributingGroups || rl.stepWithoutSignal || !patched('rl-skip-zero-advantage'))
  );
}

/** One GRPO step from `weights` on the batch; the new checkpoint is recorded and becomes the policy. */
async function grpoStep(c: IterationContext, iteration: number, weights: PolicyWeights, b: GrpoBatchRef) {
  const ref: CheckpointRef = await training.grpoStep({
    runId: c.runId,
    iteration,
    model: weights.path,
    batchPath: b.batchPath,
    outDir: '', // the gpu worker derives it from (run, iteration): a retry resumes in the same dir
    rl: c.config.stages.rl,
    training: c.config.training,
  });
  const stored = await pipeline.recordCheckpoint({ runId: c.runId, stage: 'rl', ref });
  return { checkpointId: stored.checkpointId, path: stored.path };
}

export async function runIteration(
  c: IterationContext,
  iteration: number,
  s: IterationState,
): Promise<IterationOutcome> {
  const { runId, config, control } = c;
  const rl = config.stages.rl;
  const { batch, next } = sampleBatch(c, iteration, s.quarantined);
  await prepareImages(runId, config.sandbox.diskBudgetGb, batch, next, c.pool);
  const quarantined = await rolloutsWithCanaries(c, iteration, batch, s);
  await control.waitIfPaused();
  const b = await pipeline.buildGrpoBatch({
    runId,
    iteration,
    groupSize: rl.groupSize,
    toolFormat: config.models.policy.toolFormat,
  });
  const signal = hasSignal(b, rl);
  const weights = signal ? await grpoStep(c, iteration, s.weights, b) : s.weights;
  const metrics = await pipeline.recordRlIteration({
    runId,
    iteration,
    groupSize: rl.groupSize,
    checkpointId: weights.checkpointId,
    extra: {
      groups: b.groups,
      contributingGroups: b.contributingGroups,
      zeroVarianceGroups: b.zeroVarianceGroups,
      stepSkipped: signal ? 0 : 1,
    },
  });
  return { weights, quarantined, metrics };
}
