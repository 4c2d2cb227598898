import { describe, expect, it } from 'vitest';
import { formatRate, mixedGroups, resolvedRate } from '../../../core/learning.ts';

describe('resolvedRate (Wilson 95 %)', () => {
  it('matches hand-computed intervals', () => {
    // p = 0.5, n = 20: centre 0.5, half = 1.96 * sqrt(0.0125 + 0.0024) / 1.192 = 0.2007...
    const r = resolvedRate(10, 20);
    expect(r.rate).toBe(0.5);
    expect(r.low).toBeCloseTo(0.2993, 3);
    expect(r.high).toBeCloseTo(0.7007, 3);
    // 0 of 10: low is 0 and high is z^2 / (n + z^2) = 3.8415 / 13.8415.
    const zero = resolvedRate(0, 10);
    expect(zero.low).toBe(0);
    expect(zero.high).toBeCloseTo(0.2775, 3);
    expect(formatRate(resolvedRate(3, 4))).toBe('75% [30%, 95%] (3/4)');
  });

  it('says when there is nothing to rate and refuses impossible counts', () => {
    expect(resolvedRate(0, 0)).toMatchObject({ rate: null, low: 0, high: 1 });
    expect(() => resolvedRate(5, 4)).toThrow(/resolved <= samples/);
  });
});

describe('mixedGroups', () => {
  it('finds groups whose unmasked rewards differ', () => {
    const groups = mixedGroups([
      { group: 'a/1', reward: 0, masked: false },
      { group: 'a/1', reward: 1, masked: false },
      { group: 'b/1', reward: 0, masked: false },
      { group: 'b/1', reward: 0, masked: false },
      { group: 'c/1', reward: 0, masked: false },
      { group: 'c/1', reward: 1, masked: true }, // masked: not a member, so c/1 has one member left
      { group: 'd/2', reward: 0.5, masked: false },
      { group: 'd/2', reward: 0, masked: false },
    ]);
    expect(groups).toEqual(['a/1', 'd/2']);
  });
});
