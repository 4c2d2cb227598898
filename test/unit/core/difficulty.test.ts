import { describe, expect, it } from 'vitest';
import { difficultyByTask, isMixed, passRate, passRateHistogram } from '../../../core/difficulty.ts';

describe('pass rate', () => {
  it('is c / n, null with no scored sample', () => {
    expect(passRate(3, 8)).toBe(0.375);
    expect(passRate(0, 4)).toBe(0);
    expect(passRate(4, 4)).toBe(1);
    expect(passRate(0, 0)).toBeNull();
    expect(() => passRate(5, 4)).toThrow(/0 <= c <= n/);
  });

  it('mixed means 0 < p < 1', () => {
    expect([0, 0.25, 0.5, 1, null].map(isMixed)).toEqual([false, true, true, false, false]);
  });

  it('counts per task, masked samples outside n', () => {
    const d = difficultyByTask([
      { taskId: 'b', resolved: true, masked: false },
      { taskId: 'a', resolved: false, masked: false },
      { taskId: 'b', resolved: false, masked: false },
      { taskId: 'b', resolved: false, masked: true },
      { taskId: 'a', resolved: false, masked: false },
      { taskId: 'c', resolved: false, masked: true },
      { taskId: 'b', resolved: true, masked: false },
    ]);
    expect(d).toEqual([
      { taskId: 'a', n: 2, c: 0, masked: 0, passRate: 0 },
      { taskId: 'b', n: 3, c: 2, masked: 1, passRate: 2 / 3 },
      { taskId: 'c', n: 0, c: 0, masked: 1, passRate: null },
    ]);
  });

  it('builds a histogram with the ends counted apart', () => {
    const h = passRateHistogram([0, 0, 0.25, 0.5, 0.75, 1, null], 4);
    expect(h.bins.map((b) => b.count)).toEqual([2, 1, 1, 2]);
    expect(h.bins[3]).toEqual({ lo: 0.75, hi: 1, count: 2 });
    expect(h).toMatchObject({ unsolved: 2, solved: 1, mixed: 3, unknown: 1 });
  });
});
