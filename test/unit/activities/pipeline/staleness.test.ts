import { describe, expect, it } from 'vitest';
import { memberStaleness, stalenessHistogram } from '../../../../activities/pipeline/staleness.ts';
import { answeringModels } from '../../../../activities/trajectory/answered.ts';
import type { TrajectoryMessage } from '../../../../contracts/rollout.ts';

const versions = new Map([
  ['r/rl/iter-1/step-1', 1],
  ['r/rl/iter-3/step-3', 2], // iteration 2 skipped its step: step 3's checkpoint is the second version
]);

describe('staleness of a GRPO member', () => {
  it('reads the checkpoints the engine named, in order, without repeats', () => {
    const m: TrajectoryMessage[] = [
      { role: 'user', content: 'fix it' },
      { role: 'assistant', content: 'a', meta: { model: 'sft' } },
      { role: 'tool', content: 'ok' },
      { role: 'assistant', content: 'b', meta: { model: 'r/rl/iter-1/step-1' } },
      { role: 'assistant', content: 'c', meta: { model: 'sft' } },
    ];
    expect(answeringModels(m)).toEqual(['sft', 'r/rl/iter-1/step-1']);
  });

  it('counts versions behind from the oldest turn; a checkpoint RL did not produce is version 0', () => {
    expect(memberStaleness(['r/rl/iter-1/step-1'], versions, 2, undefined)).toEqual({ staleness: 1, source: 'engine' });
    // A partial rollout: its first turns came from the SFT weights.
    expect(memberStaleness(['sft', 'r/rl/iter-3/step-3'], versions, 2, 1)).toEqual({ staleness: 2, source: 'engine' });
    // No reply names a checkpoint (a fixed endpoint): the launch version, and it says so.
    expect(memberStaleness([], versions, 2, 1)).toEqual({ staleness: 1, source: 'schedule' });
    expect(memberStaleness([], versions, 2, undefined)).toEqual({ staleness: null, source: null });
  });

  it('histograms the known values', () => {
    expect(stalenessHistogram([0, 1, 1, null, 2])).toEqual({ '0': 1, '1': 2, '2': 1 });
  });
});
