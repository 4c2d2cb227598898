// The RL loop in async mode (stages.rl.mode: async). Two streams: rollouts, one iteration's batch at a time, and
// GRPO steps, one at a time in iteration order. The rollouts of iteration r start as soon as the batch they feed
// cannot be more than maxStaleness (k) versions stale: step r trains from the weights after step r-1, so rollouts
// launched when steps through t have finished are at most (r-1) - t versions behind; r waits until
// (r-1) - t <= k. With k = 1, iteration r+1's rollouts run while step r trains. The staleness that counts is measured
// again when the batch is built, from the checkpoints the engine said answered each turn (buildGrpoBatch), and a
// member further behind than k is dropped or re-run. Deterministic: the streams are promises on workflow state;
// continue-as-new waits for the running step, then carries the iteration whose rollouts are done (ids only).
import type { RlIterationMetrics } from '../../contracts/rl.ts';
import {
  log,
  allHandlersFinished,
  condition,
  ContinueAsNew,
  continueAsNew,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { pipeline, policyServers } from '../activities.ts';
import { SA } from '../definitions.ts';
import type { PolicyWeights } from '../policy.ts';
import type { RlInput, rlWorkflow } from './rl.ts';
import { rlSampleRange } from '../../core/sampling.ts';
import { rolloutPhase, trainPhase, type IterationContext, type RolloutPhase } from './rlIteration.ts';
import { stageRollouts } from './rollouts.ts';
import { releasePolicy, withPolicy } from '../policy.ts';

/** The iteration whose rollouts finished before a continue-as-new, carried so the next execution trains it first. */
export interface CarriedRollouts {
  iteration: number;
  launch: Omit<RolloutPhase, 'quarantined'>;
}

export interface AsyncStart {
  it: number;
  weights: PolicyWeights;
  quarantined: Set<string>;
  carried?: CarriedRollouts;
}

export interface AsyncEnd {
  weights: PolicyWeights;
  last: RlIterationMetrics | null;
}

/** Re-runs the members a batch left out as stale, under the weights the step trains from (their old rows kept). */
async function rerunStale(
  c: IterationContext,
  iteration: number,
  weights: PolicyWeights,
  keys: { taskId: string; sample: number }[],
) {
  const reason = `stale: sampled more than ${c.config.stages.rl.maxStaleness} versions behind ${weights.checkpointId}`;
  await pipeline.retireRollouts({ runId: c.runId, stage: 'rl', keys, reason });
  const G = c.config.stages.rl.groupSize;
  await withPolicy(c.runId, c.config.models.policy, weights, `rl-${iteration}-rerun`, (p) =>
    stageRollouts(
      {
        runId: c.runId,
        config: c.config,
        stage: 'rl',
        progressStage: 'rl',
        models: [p],
        items: keys,
        label: `iter-${iteration}-rerun`,
        samples: rlSampleRange(iteration, G),
      },
      c.control,
    ),
  );
}

/**
 * Partial rollouts: the new weights into the stage's running server at once, so the rollouts in flight answer their
 * next turns with them (each turn's meta.model says which checkpoint answered, and its own sampler log-probs go
 * with it). Only in place: a server that would have to restart keeps serving, and the rollouts finish as they began.
 */
async function swapMidBatch(c: IterationContext, weights: PolicyWeights): Promise<void> {
  const served = c.kept?.last;
  if (!served?.servedName || c.config.models.policy.kind !== 'trainer') return;
  const ref = await policyServers.ensurePolicyServer({
    checkpoint: weights.path,
    servedName: served.servedName,
    modelName: weights.checkpointId,
    inPlaceOnly: true,
  });
  // 'none' where only a restart would do: the rollouts in flight finish on the weights they began with.
  if (ref.swap === 'none')
    log.info(`partial rollouts: ${served.servedName} cannot take ${weights.checkpointId} in place`);
}

export async function asyncLoop(
  c: IterationContext,
  start: AsyncStart,
  report: (done: number, iteration: number, weights: PolicyWeights) => void,
): Promise<AsyncEnd> {
  const rl = c.config.stages.rl;
  const k = rl.maxStaleness;
  let weights = start.weights; // the newest trained weights: W after step `trainedThrough`
  let trainedThrough = start.it - 1;
  let quarantined = start.quarantined;
  let trainError: { error: unknown } | null = null;
  let chain: Promise<void> = Promise.resolve();
  let last: RlIterationMetrics | null = null;
  let lastRecordedAt = Date.now();

  const timing = (launch: Omit<RolloutPhase, 'quarantined'>, trainMs: number) => {
    const now = Date.now();
    const iterationMs = now - lastRecordedAt; // from the previous step's record: the pace of the pipeline
    lastRecordedAt = now;
    return {
      mode: 'async',
      maxStaleness: k,
      iterationMs,
      boundMs: Math.max(launch.rolloutMs, trainMs + launch.swapMs),
    };
  };
  /** Step j, after step j-1 (the chain is sequential, so `weights` is W after j-1 when it begins). */
  const train = (j: number, launch: Omit<RolloutPhase, 'quarantined'>) => {
    chain = chain.then(async () => {
      if (trainError) return;
      try {
        await c.control.waitIfPaused();
        const out = await trainPhase(c, j, weights, {
          launch,
          maxStaleness: k,
          extra: (trainMs) => timing(launch, trainMs),
          ...(rl.staleSamples === 'rerun' ? { rerunStale: (keys) => rerunStale(c, j, weights, keys) } : {}),
        });
        weights = out.weights;
        last = out.metrics;
        trainedThrough = j;
        if (rl.partialRollouts && j < rl.iterations) await swapMidBatch(c, weights); // none run after the last
        upsertSearchAttributes([{ key: SA.rlIteration, value: j }]);
        report(j, j, weights);
      } catch (error) {
        trainError = { error };
      }
    });
  };

  // One policy server for the stage: a new checkpoint goes into it (in place where the engine can) instead of a
  // server per batch. It stays up across continue-as-new (the next execution asks for it by the same name).
  c.kept = { label: 'rl' };
  try {
    return await streams();
  } catch (err) {
    if (!isContinueAsNew(err) && c.kept.last) await releasePolicy(c.kept.last);
    throw err;
  }

  async function streams(): Promise<AsyncEnd> {
    let r = start.it;
    if (start.carried) {
      train(start.carried.iteration, start.carried.launch);
      r = start.carried.iteration + 1;
    }
    for (let ranHere = 0; r <= rl.iterations; r++) {
      await c.control.waitIfPaused();
      const it = r;
      await condition(() => trainError !== null || it - 1 - trainedThrough <= k);
      if (trainError) throw (trainError as { error: unknown }).error;
      const launch = await rolloutPhase(c, it, { weights, quarantined });
      quarantined = launch.quarantined;
      const { quarantined: _q, ...carried } = launch;
      ranHere++;
      if (it < rl.iterations && (ranHere >= rl.continueAsNewEvery || workflowInfo().continueAsNewSuggested)) {
        // Wait for the running step (the chain), then hand this iteration's finished rollouts to the next execution.
        await chain;
        if (trainError) throw (trainError as { error: unknown }).error;
        await condition(allHandlersFinished);
        return continueAsNew<typeof rlWorkflow>({
          runId: c.runId,
          fromIteration: it,
          checkpoint: weights,
          quarantined: [...quarantined].sort(),
          asyncCarried: { iteration: it, launch: carried },
        } satisfies RlInput);
      }
      train(it, carried);
    }
    await chain;
    if (trainError) throw (trainError as { error: unknown }).error;
    if (c.kept?.last) await releasePolicy(c.kept.last);
    return { weights, last };
  }
}

const isContinueAsNew = (err: unknown) => err instanceof ContinueAsNew;
