import { describe, expect, it } from 'vitest';
import { isTruncation, shapeReward } from '../../../core/reward.ts';

describe('shapeReward', () => {
  it('gives 1 to a submitted patch that resolves', () => {
    expect(shapeReward({ exitReason: 'submitted', forced: false, outcome: 'resolved', alpha: 0.5 })).toEqual({
      reward: 1,
      masked: false,
    });
  });

  it('gives alpha to a forced submission that resolves', () => {
    for (const exitReason of ['max_turns', 'context_limit', 'timeout'] as const) {
      expect(shapeReward({ exitReason, forced: true, outcome: 'resolved', alpha: 0.5 }).reward).toBe(0.5);
    }
    expect(shapeReward({ exitReason: 'max_turns', forced: true, outcome: 'resolved', alpha: 0.25 }).reward).toBe(0.25);
  });

  it('gives 0 to unresolved, patch_failed and unevaluated trajectories', () => {
    expect(shapeReward({ exitReason: 'submitted', forced: false, outcome: 'unresolved', alpha: 0.5 }).reward).toBe(0);
    expect(shapeReward({ exitReason: 'max_turns', forced: true, outcome: 'patch_failed', alpha: 0.5 }).reward).toBe(0);
    const modelError = shapeReward({ exitReason: 'model_error', forced: false, outcome: null, alpha: 0.5 });
    expect(modelError).toEqual({ reward: 0, masked: false });
  });

  it('masks infrastructure errors in the rollout or in the evaluation', () => {
    const rollout = shapeReward({ exitReason: 'infra_error', forced: false, outcome: null, alpha: 0.5 });
    expect(rollout.reward).toBeNull();
    expect(rollout.masked).toBe(true);
    expect(rollout.maskReason).toMatch(/rollout/);
    const evaluation = shapeReward({ exitReason: 'submitted', forced: false, outcome: 'infra_error', alpha: 0.5 });
    expect(evaluation).toMatchObject({ reward: null, masked: true });
    expect(evaluation.maskReason).toMatch(/evaluation/);
  });

  it('rejects an alpha outside [0, 1]', () => {
    expect(() => shapeReward({ exitReason: 'submitted', forced: false, outcome: 'resolved', alpha: 1.5 })).toThrow(
      /alpha/,
    );
    expect(() =>
      shapeReward({ exitReason: 'submitted', forced: false, outcome: 'resolved', alpha: Number.NaN }),
    ).toThrow();
  });

  it('knows which exits are truncations', () => {
    expect(['max_turns', 'context_limit', 'timeout'].every((e) => isTruncation(e as never))).toBe(true);
    expect(isTruncation('submitted')).toBe(false);
    expect(isTruncation('model_error')).toBe(false);
  });
});
