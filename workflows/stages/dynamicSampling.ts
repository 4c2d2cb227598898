// DAPO's dynamic sampling (stages.rl.dynamicSampling): after an iteration's rollouts, a group whose G rewards all
// agree has no gradient. Fresh tasks from the pool (seeded by run, iteration and round; never one already in this
// iteration) get G rollouts each from the same served policy, in the iteration's own sample range, until batchTasks
// groups have a signal or maxExtraGroups were drawn. The batch then masks the zero-variance groups (buildGrpoBatch
// dropZeroVariance). Deterministic: the draws depend only on the seed and on what the activities returned.
import type { ServedPolicy } from '../policy.ts';
import { hashSeed, rlSampleIndex, rlSampleRange, sampleTasks } from '../../core/sampling.ts';
import { pipeline } from '../activities.ts';
import type { IterationContext } from './rlIteration.ts';
import { range, stageRollouts } from './rollouts.ts';

/** Draws extra groups for `iteration` and returns how many were drawn. */
export async function drawExtraGroups(
  c: IterationContext,
  iteration: number,
  batch: readonly string[],
  quarantined: ReadonlySet<string>,
  policy: ServedPolicy,
): Promise<number> {
  const rl = c.config.stages.rl;
  const G = rl.groupSize;
  const used = new Set(batch);
  let drawn = 0;
  for (let round = 1; drawn < rl.maxExtraGroups; round++) {
    const groups = await pipeline.rlGroupSignal({ runId: c.runId, iteration, groupSize: G });
    const need = rl.batchTasks - groups.signal.length;
    if (need <= 0) break;
    const candidates = c.pool.filter((t) => !used.has(t) && !quarantined.has(t));
    if (!candidates.length) break;
    const extra = sampleTasks(
      candidates,
      Math.min(need, rl.maxExtraGroups - drawn),
      hashSeed(c.config.seed, 'rl-extra', iteration, round),
    );
    for (const t of extra) used.add(t);
    drawn += extra.length;
    await stageRollouts(
      {
        runId: c.runId,
        config: c.config,
        stage: 'rl',
        progressStage: 'rl',
        models: [policy],
        items: extra.flatMap((taskId) => range(G).map((j) => ({ taskId, sample: rlSampleIndex(iteration, G, j) }))),
        label: `iter-${iteration}-extra-${round}`,
        samples: rlSampleRange(iteration, G),
      },
      c.control,
    );
  }
  return drawn;
}
