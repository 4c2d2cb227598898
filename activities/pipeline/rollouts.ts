// What the rollouts table already holds for a stage: lets a re-executed fan-out skip rollouts an earlier attempt
// finished, and gives stage summaries that count every execution, not just the last.
import type { ActivityDeps } from '../deps.ts';
import type { RolloutQuery, RolloutTally } from '../../contracts/pipeline.ts';
import { fetchRollouts } from './rolloutRows.ts';

export const rolloutKey = (taskId: string, sample: number) => `${taskId}#${sample}`;

export function createRolloutQueryActivities({ pool }: Pick<ActivityDeps, 'pool'>) {
  return {
    /** `task#sample` of every rollout already recorded (masked ones too: they used up their retries). */
    async rolloutKeys(input: RolloutQuery): Promise<string[]> {
      const rows = await fetchRollouts(pool, input.runId, [input.stage], input.samples);
      return rows.map((r) => rolloutKey(r.taskId, r.sample));
    },

    async rolloutStats(input: RolloutQuery & { ids?: boolean }): Promise<RolloutTally> {
      const rows = await fetchRollouts(pool, input.runId, [input.stage], input.samples);
      const live = rows.filter((r) => !r.masked);
      return {
        total: rows.length,
        done: rows.length,
        failed: 0,
        resolved: live.filter((r) => r.resolved).length,
        masked: rows.length - live.length,
        scored: live.length,
        rewardSum: live.reduce((s, r) => s + (r.reward ?? 0), 0),
        turnsSum: rows.reduce((s, r) => s + r.turns, 0),
        rolloutIds: input.ids ? rows.map((r) => r.id) : [],
        errors: [],
      };
    },
  };
}
