// One GRPO iteration of the RL stage, as named steps: sample the batch, run its rollouts (the canaries beside
// them), build the GRPO batch, take a step when the batch has a learning signal, record the iteration. The loop,
// resume point and continue-as-new are in rl.ts. Deterministic: the steps call activities in the order the
// recorded histories hold.
import type { CheckpointRef } from '../../contracts/gpu.ts';
import type { GrpoBatchRef, RlIterationExtra, RlIterationMetrics } from '../../contracts/rl.ts';
import { patched } from '@temporalio/workflow';
import type { RunConfig } from '../../config/schema.ts';
import { hashSeed, rlSampleIndex, rlSampleRange, sampleTasks } from '../../core/sampling.ts';
import { pipeline, trainingActivities } from '../activities.ts';
import type { Control } from '../control.ts';
import { failure } from '../errors.ts';
import { servePolicy, withPolicy, type PolicyWeights, type ServedPolicy } from '../policy.ts';
import { canaryTasks, maskFlaky, runCanaries } from './canaries.ts';
import { prepareImages } from './diskBudget.ts';
import { drawExtraGroups } from './dynamicSampling.ts';
import { range, stageRollouts } from './rollouts.ts';

export interface IterationContext {
  runId: string;
  config: RunConfig;
  /** The tasks RL samples from (the difficulty stage's mixed ones, or the run's training tasks). */
  pool: string[];
  /** Whether this history runs canaries (patch marker rl-canaries, read once per execution). */
  canaries: boolean;
  control: Control;
  /**
   * Async mode: one policy server for the whole stage (its label), kept between batches so a new checkpoint can
   * go into it in place; `last` is what it serves now (released when the stage ends). Absent: one per batch.
   */
  kept?: { label: string; last?: ServedPolicy };
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
  timing: { served: number; extraGroups: number },
): Promise<Set<string>> {
  const { runId, config } = c;
  const G = config.stages.rl.groupSize;
  const items = batch.flatMap((taskId) => range(G).map((j) => ({ taskId, sample: rlSampleIndex(iteration, G, j) })));
  // The canaries run beside the rollouts; their verdict is needed only before the batch is built.
  const canary = c.canaries
    ? runCanaries(runId, config, iteration, canaryTasks(config.stages.rl.canaries, config.seed, iteration, batch))
    : null;
  canary?.catch(() => undefined); // awaited below; handled here too in case the rollouts throw first
  const serve = async <T>(fn: (p: ServedPolicy) => Promise<T>): Promise<T> => {
    const kept = c.kept;
    if (!kept) return withPolicy(runId, config.models.policy, s.weights, `rl-${iteration}`, fn);
    kept.last = await servePolicy(runId, config.models.policy, s.weights, kept.label);
    return fn(kept.last);
  };
  await serve(async (p) => {
    timing.served = Date.now();
    await stageRollouts(
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
    );
    if (config.stages.rl.dynamicSampling)
      timing.extraGroups = await drawExtraGroups(c, iteration, batch, s.quarantined, p);
  });
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
  const ref: CheckpointRef = await trainingActivities(c.config).grpoStep({
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

/** What the rollouts of an iteration took: serving the policy (a swap) and the fan-out. */
export interface RolloutPhase {
  quarantined: Set<string>;
  swapMs: number;
  rolloutMs: number;
  /** The checkpoint the rollouts were launched with (what the workflow served, not what answered). */
  launchedWith: string;
  /** Dynamic sampling: extra groups drawn to replace zero-variance ones. */
  extraGroups?: number;
}

/** The iteration's batch sampled, its images prepared, and its G rollouts per task run (canaries beside them). */
export async function rolloutPhase(c: IterationContext, iteration: number, s: IterationState): Promise<RolloutPhase> {
  const { batch, next } = sampleBatch(c, iteration, s.quarantined);
  await prepareImages(c.runId, c.config.sandbox.diskBudgetGb, batch, next, c.pool);
  const t0 = Date.now(); // workflow time: the history's, so replay reads the same figures
  const timing = { served: t0, extraGroups: 0 };
  const quarantined = await rolloutsWithCanaries(c, iteration, batch, s, timing);
  const end = Date.now();
  return {
    quarantined,
    swapMs: timing.served - t0,
    rolloutMs: end - timing.served,
    launchedWith: s.weights.checkpointId,
    ...(c.config.stages.rl.dynamicSampling ? { extraGroups: timing.extraGroups } : {}),
  };
}

/** Where the step's batch comes from and how stale its members may be (async mode). */
export interface TrainOptions {
  launch: Omit<RolloutPhase, 'quarantined'>;
  maxStaleness?: number;
  /** Extra figures for the iteration's row (mode, iteration time, bound). */
  extra?: (trainMs: number) => RlIterationExtra;
  /** staleSamples: rerun: re-runs the members the batch left out as stale, before any step; the batch is rebuilt. */
  rerunStale?: (keys: { taskId: string; sample: number }[]) => Promise<void>;
}

/** The GRPO batch built from the iteration's rollouts, a step when it has a signal, and the iteration recorded. */
export async function trainPhase(
  c: IterationContext,
  iteration: number,
  weights0: PolicyWeights,
  o: TrainOptions,
): Promise<{ weights: PolicyWeights; metrics: RlIterationMetrics; batch: GrpoBatchRef }> {
  const { runId, config } = c;
  const rl = config.stages.rl;
  const t0 = Date.now();
  const build = () =>
    pipeline.buildGrpoBatch({
      runId,
      iteration,
      groupSize: rl.groupSize,
      toolFormat: config.models.policy.toolFormat,
      trainedFrom: weights0.checkpointId,
      launchedWith: o.launch.launchedWith,
      repliesNameCheckpoints: config.models.policy.kind === 'trainer',
      ...(rl.dynamicSampling ? { dropZeroVariance: true } : {}),
      ...(o.maxStaleness !== undefined ? { maxStaleness: o.maxStaleness } : {}),
    });
  let b = await build();
  const stale = b.staleMembers ?? [];
  let rerun = 0;
  if (o.rerunStale && stale.length) {
    await o.rerunStale(stale);
    rerun = stale.length;
    b = await build();
  }
  const signal = hasSignal(b, rl);
  const weights = signal ? await grpoStep(c, iteration, weights0, b) : weights0;
  const trainMs = Date.now() - t0;
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
      ...(b.staleness ? { staleness: b.staleness, staleDropped: b.stale ?? 0, staleRerun: rerun } : {}),
      ...(rl.dynamicSampling ? { extraGroups: o.launch.extraGroups ?? 0, droppedGroups: b.droppedGroups ?? 0 } : {}),
      swapMs: o.launch.swapMs,
      rolloutMs: o.launch.rolloutMs,
      trainMs,
      ...o.extra?.(trainMs),
    },
  });
  return { weights, metrics, batch: b };
}

/** One synchronous iteration: its rollouts, then its step (the papers' loop). */
export async function runIteration(
  c: IterationContext,
  iteration: number,
  s: IterationState,
): Promise<IterationOutcome> {
  const t0 = Date.now();
  const launch = await rolloutPhase(c, iteration, s);
  await c.control.waitIfPaused();
  const out = await trainPhase(c, iteration, s.weights, {
    launch,
    extra: (trainMs) => ({
      mode: 'sync',
      iterationMs: Date.now() - t0,
      boundMs: Math.max(launch.rolloutMs, trainMs + launch.swapMs),
    }),
  });
  return { weights: out.weights, quarantined: launch.quarantined, metrics: out.metrics };
}
