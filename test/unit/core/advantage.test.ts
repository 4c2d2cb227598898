import { describe, expect, it } from 'vitest';
import { batchAdvantages, leaveOneOutAdvantages } from '../../../core/advantage.ts';

describe('leave-one-out advantage', () => {
  it('matches a hand-computed group of four', () => {
    // sum = 1.5, G = 4: Â_i = R_i - (1.5 - R_i) / 3
    const a = leaveOneOutAdvantages([1, 0, 0.5, 0]);
    expect(a[0]).toBeCloseTo(1 - 0.5 / 3, 12); // 0.8333
    expect(a[1]).toBeCloseTo(-0.5, 12);
    expect(a[2]).toBeCloseTo(0.5 - 1 / 3, 12); // 0.1667
    expect(a[3]).toBeCloseTo(-0.5, 12);
    expect(a.reduce((s, x) => s! + x!, 0)).toBeCloseTo(0, 12);
  });

  it('leaves masked members out and counts G over the rest', () => {
    // G = 3 over {1, 0, 0.5}: sum = 1.5, Â = R - (1.5 - R) / 2
    expect(leaveOneOutAdvantages([1, null, 0, 0.5])).toEqual([0.75, null, -0.75, 0]);
    expect(leaveOneOutAdvantages([1, null, 0])).toEqual([1, null, -1]);
  });

  it('gives nothing for a group with fewer than two unmasked members', () => {
    expect(leaveOneOutAdvantages([1, null, null])).toEqual([null, null, null]);
    expect(leaveOneOutAdvantages([null, null])).toEqual([null, null]);
    expect(leaveOneOutAdvantages([])).toEqual([]);
  });

  it('is zero when every member has the same reward', () => {
    expect(leaveOneOutAdvantages([0.5, 0.5, 0.5])).toEqual([0, 0, 0]);
  });

  it('rejects non-finite rewards', () => {
    expect(() => leaveOneOutAdvantages([1, Number.NaN])).toThrow(/not finite/);
  });
});

describe('batch advantages', () => {
  it('groups by task, keeps input order and counts contributions', () => {
    const { advantages, stats } = batchAdvantages([
      { group: 'a', reward: 1, masked: false },
      { group: 'b', reward: 0, masked: false },
      { group: 'a', reward: 0, masked: false },
      { group: 'b', reward: null, masked: true },
      { group: 'c', reward: 1, masked: false },
      { group: 'c', reward: 1, masked: false },
      { group: 'd', reward: 0.5, masked: false },
      { group: 'd', reward: null, masked: true },
    ]);
    expect(advantages).toEqual([
      { advantage: 1, masked: false },
      { advantage: 0, masked: true }, // group b has one unmasked member: nothing
      { advantage: -1, masked: false },
      { advantage: 0, masked: true },
      { advantage: 0, masked: false },
      { advantage: 0, masked: false },
      { advantage: 0, masked: true },
      { advantage: 0, masked: true },
    ]);
    expect(stats).toEqual({
      groups: 4,
      contributingGroups: 2,
      zeroVarianceGroups: 1,
      maskedMembers: 2,
      activeMembers: 4,
    });
  });

  it('treats a member flagged masked as masked even if it carries a reward', () => {
    const { advantages } = batchAdvantages([
      { group: 'a', reward: 1, masked: true },
      { group: 'a', reward: 0, masked: false },
      { group: 'a', reward: 1, masked: false },
    ]);
    expect(advantages.map((a) => a.masked)).toEqual([true, false, false]);
    expect(advantages[1]!.advantage).toBe(-1);
  });
});
