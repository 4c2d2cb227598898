import { describe, expect, it } from 'vitest';
import { filterSftTrajectories, keptTasks, SFT_RULES, type TrajectoryCandidate } from '../../../core/filter.ts';

const t = (rolloutId: number, taskId: string, over: Partial<TrajectoryCandidate> = {}): TrajectoryCandidate => ({
  rolloutId,
  taskId,
  resolved: true,
  forced: false,
  masked: false,
  turns: 10,
  tokens: 1000,
  historyAttempts: 0,
  ...over,
});
const opts = {
  keep: 'mixed' as const,
  perInstanceCap: 2,
  order: 'fewest_turns' as const,
  maxTokens: 5000,
  dropHistoryAttempts: true,
  seed: 1,
};

describe('task pool', () => {
  it('keeps 0 < p < 1 for mixed, every scored task for all', () => {
    const d = [
      { taskId: 'a', n: 4, c: 2, masked: 0, passRate: 0.5 },
      { taskId: 'b', n: 4, c: 4, masked: 0, passRate: 1 },
      { taskId: 'c', n: 4, c: 0, masked: 0, passRate: 0 },
      { taskId: 'd', n: 0, c: 0, masked: 4, passRate: null },
    ];
    expect(keptTasks(d, 'mixed')).toEqual(['a']);
    expect(keptTasks(d, 'all')).toEqual(['a', 'b', 'c']);
  });
});

describe('SFT trajectory filter', () => {
  const rows = [
    t(1, 'A', { turns: 10 }),
    t(2, 'A', { turns: 5 }),
    t(3, 'A', { turns: 7 }),
    t(4, 'A', { resolved: false }),
    t(5, 'A', { masked: true, resolved: false }),
    t(6, 'A', { forced: true }),
    t(7, 'A', { historyAttempts: 1, turns: 1 }),
    t(8, 'A', { tokens: 99_999, turns: 1 }),
    t(9, 'B', { turns: 1 }),
  ];

  it('counts each removal under the first rule that applies and caps fewest turns first', () => {
    const r = filterSftTrajectories(rows, new Set(['A']), opts);
    expect(r.kept.map((k) => k.rolloutId)).toEqual([2, 3]);
    expect(r.removed).toEqual({
      masked: 1,
      unresolved: 1,
      forced: 1,
      notMixed: 1,
      historyAttempts: 1,
      overTokens: 1,
      overCap: 1,
    });
    const total = r.kept.length + SFT_RULES.reduce((s, rule) => s + r.removed[rule], 0);
    expect(total).toBe(rows.length);
  });

  it('breaks turn ties on fewer tokens, then the earlier rollout', () => {
    const r = filterSftTrajectories(
      [
        t(3, 'A', { turns: 4, tokens: 900 }),
        t(1, 'A', { turns: 4, tokens: 900 }),
        t(2, 'A', { turns: 4, tokens: 800 }),
      ],
      null,
      opts,
    );
    expect(r.kept.map((k) => k.rolloutId)).toEqual([2, 1]);
  });

  it('keeps history attempts when told to, and every task when there is no pool', () => {
    const r = filterSftTrajectories(rows, null, { ...opts, dropHistoryAttempts: false, perInstanceCap: 10 });
    expect(r.kept.map((k) => k.rolloutId).sort((a, b) => a - b)).toEqual([1, 2, 3, 7, 9]);
    expect(r.removed.notMixed).toBe(0);
    expect(r.removed.historyAttempts).toBe(0);
  });

  it('random order is seeded and still honours the cap', () => {
    const many = Array.from({ length: 8 }, (_, i) => t(i + 1, 'A', { turns: i }));
    const a = filterSftTrajectories(many, null, { ...opts, order: 'random', seed: 3 });
    const b = filterSftTrajectories([...many].reverse(), null, { ...opts, order: 'random', seed: 3 });
    expect(a.kept).toHaveLength(2);
    expect(a.kept).toEqual(b.kept);
    expect(a.removed.overCap).toBe(6);
  });
});
