// The fan-out as stages call it: skip rollouts an earlier execution already recorded, fan out the rest, and
// count from the table so a summary covers every execution of the stage.
import type { RolloutTally } from '../../contracts/pipeline.ts';
import type { RolloutStage } from '../../contracts/rollout.ts';
import type { RunConfig, StageName } from '../../config/schema.ts';
import { pipeline } from '../activities.ts';
import type { Control } from '../control.ts';
import { fanOutRollouts, type RolloutBatchSpec } from '../fanout.ts';

export interface StageRollouts {
  runId: string;
  config: RunConfig;
  stage: RolloutStage;
  progressStage: StageName | null;
  models: RolloutBatchSpec['models'];
  items: RolloutBatchSpec['items'];
  window?: number;
  /** Distinguishes several fan-outs of one stage (RL iterations): progress source and child workflow ids. */
  label: string;
  samples?: { from: number; to: number };
  keepIds?: boolean;
}

export async function stageRollouts(o: StageRollouts, control: Control): Promise<RolloutTally> {
  const q = { runId: o.runId, stage: o.stage, samples: o.samples };
  const done = new Set(await pipeline.rolloutKeys(q));
  const todo = o.items.filter((i) => !done.has(`${i.taskId}#${i.sample}`));
  const source = `${o.stage}/${o.label}`;
  const skipped = o.items.length - todo.length;
  if (skipped > 0 && o.progressStage) {
    const zero = { scored: 0, resolved: 0, rewardSum: 0, masked: 0, failed: 0 };
    control.report({
      kind: 'rollouts',
      source: `${source}/earlier`,
      stage: o.progressStage,
      done: skipped,
      total: skipped,
      ...zero,
    });
  }
  const tally = await fanOutRollouts(
    {
      runId: o.runId,
      stage: o.stage,
      progressStage: o.progressStage,
      source,
      models: o.models,
      items: todo,
      agent: o.config.agent,
      sandbox: o.config.sandbox,
      alpha: o.config.stages.rl.alpha,
      seed: o.config.seed,
      window: o.window ?? o.config.fanOut.window,
      partitionSize: o.config.fanOut.partitionSize,
      keepIds: false,
    },
    control,
    o.label,
  );
  const stats = await pipeline.rolloutStats({ ...q, ids: o.keepIds });
  return { ...stats, failed: tally.failed, errors: tally.errors };
}

export const range = (n: number) => Array.from({ length: n }, (_, i) => i);
