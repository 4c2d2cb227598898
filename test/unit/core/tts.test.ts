import { describe, expect, it } from 'vitest';
import { ttsAtK } from '../../../core/passk.ts';
import { createRng } from '../../../core/sampling.ts';
import {
  groupCandidates,
  pickProbability,
  rankCandidates,
  selectPerTask,
  taskTtsAtK,
  ttsCurves,
  type Candidate,
} from '../../../core/tts.ts';

const c = (rolloutId: number, score: number | null, resolved: boolean, turns: number): Candidate => ({
  rolloutId,
  score,
  resolved,
  turns,
});

// Task A: a score tie (ids 1 and 3 at 0.9) that fewer turns must break in favour of id 3.
const taskA = [c(1, 0.9, false, 5), c(2, 0.8, true, 3), c(3, 0.9, true, 4), c(4, 0.1, false, 2)];
// Task B: the resolved candidate was never scored (null), so the verifier ranks it last.
const taskB = [c(5, null, true, 1), c(6, 0.2, false, 9)];
const groups = new Map([
  ['task-a', taskA],
  ['task-b', taskB],
]);

function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [head, ...rest] = items;
  return [...subsets(rest, k - 1).map((s) => [head!, ...s]), ...subsets(rest, k)];
}

describe('selection on a hand-made score table', () => {
  it('picks the highest score, ties broken by fewer turns', () => {
    expect(rankCandidates(taskA, 'verifier').map((x) => x.rolloutId)).toEqual([3, 1, 2, 4]);
    const picks = selectPerTask(groups, 'verifier');
    expect(picks.get('task-a')?.rolloutId).toBe(3);
    expect(picks.get('task-b')?.rolloutId).toBe(6); // unscored candidates rank below any score
  });

  it('fewest_turns ignores scores; random is reproducible from its seed', () => {
    expect(rankCandidates(taskA, 'fewest_turns').map((x) => x.rolloutId)).toEqual([4, 2, 3, 1]);
    expect(selectPerTask(groups, 'fewest_turns').get('task-b')?.rolloutId).toBe(5);
    const a = selectPerTask(groups, 'random', 11);
    const b = selectPerTask(groups, 'random', 11);
    expect([...a.values()].map((x) => x.rolloutId)).toEqual([...b.values()].map((x) => x.rolloutId));
  });

  it('equal scores and turns fall back to the lower rollout id, whatever the input order', () => {
    const tie = [c(9, 0.5, false, 3), c(7, 0.5, true, 3)];
    expect(rankCandidates(tie, 'verifier')[0]!.rolloutId).toBe(7);
    expect(rankCandidates([...tie].reverse(), 'verifier')[0]!.rolloutId).toBe(7);
  });
});

describe('subset probabilities', () => {
  it('C(n-1-i, k-1) / C(n, k) by hand and summing to one', () => {
    expect(pickProbability(4, 0, 2)).toBeCloseTo(3 / 6, 12);
    expect(pickProbability(4, 2, 2)).toBeCloseTo(1 / 6, 12);
    expect(pickProbability(4, 3, 2)).toBe(0);
    expect(pickProbability(10, 3, 4)).toBeCloseTo(20 / 210, 12); // C(6,3) / C(10,4)
    for (const [n, k] of [
      [7, 3],
      [12, 5],
      [200, 8],
    ] as const) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += pickProbability(n, i, k);
      expect(sum).toBeCloseTo(1, 10);
    }
    expect(() => pickProbability(3, 0, 4)).toThrow(/1 <= k <= n/);
  });

  it('equals brute-force enumeration of every K-subset on random tables', () => {
    const rng = createRng(5);
    for (let trial = 0; trial < 30; trial++) {
      const n = 1 + Math.floor(rng() * 7);
      const cands = Array.from({ length: n }, (_, i) =>
        c(i + 1, rng() < 0.2 ? null : Math.round(rng() * 4) / 4, rng() < 0.5, 1 + Math.floor(rng() * 3)),
      );
      for (let k = 1; k <= n; k++) {
        const all = subsets(cands, k);
        for (const sel of ['verifier', 'fewest_turns'] as const) {
          const brute = all.filter((s) => rankCandidates(s, sel)[0]!.resolved).length / all.length;
          expect(taskTtsAtK(cands, k, sel)).toBeCloseTo(brute, 12);
        }
        const oracle = all.filter((s) => s.some((x) => x.resolved)).length / all.length;
        expect(taskTtsAtK(cands, k, 'oracle')).toBeCloseTo(oracle, 12);
      }
    }
  });
});

describe('curves K = 1..Kmax against hand-computed values', () => {
  const curves = ttsCurves(groups);

  it('counts the tasks each point averages over', () => {
    expect(curves.k).toEqual([1, 2, 3, 4]);
    expect(curves.tasks).toEqual([2, 2, 1, 1]);
  });

  it('TTS@K for the verifier and the baselines', () => {
    // task A, verifier ranking [3 R, 1 U, 2 R, 4 U]: K=2 -> 3/6 + 1/6; K=3 -> 3/4; K=4 -> 1. Task B -> 0 for K=2.
    expect(curves.tts.verifier).toEqual([0.5, (2 / 3 + 0) / 2, 0.75, 1].map((x) => expect.closeTo(x, 12)));
    // fewest_turns ranking of A [4 U, 2 R, 3 R, 1 U]: K=2 -> 2/6 + 1/6; K=3 -> 1/4; K=4 -> 0. Task B picks 5 (R).
    expect(curves.tts.fewest_turns).toEqual([0.5, (0.5 + 1) / 2, 0.25, 0].map((x) => expect.closeTo(x, 12)));
    expect(curves.tts.random).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('Pass@1 is flat, Pass@K is the unbiased estimator and the oracle equals it', () => {
    expect(curves.pass1).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(curves.passK).toEqual([0.5, (5 / 6 + 1) / 2, 1, 1].map((x) => expect.closeTo(x, 12)));
    curves.oracle.forEach((o, i) => expect(o).toBeCloseTo(curves.passK[i]!, 12));
  });

  it('at K = n the subset average is the single pick passk.ttsAtK makes', () => {
    const four = new Map([
      ['a', taskA],
      ['b', [c(7, 0.3, true, 2), c(8, 0.7, false, 2), c(9, 0.6, true, 1), c(10, 0.1, false, 1)]],
    ]);
    const k4 = ttsCurves(four, 4);
    for (const sel of ['verifier', 'fewest_turns'] as const) {
      expect(k4.tts[sel][3]).toBeCloseTo(ttsAtK(four, 4, sel).ttsAtK!, 12);
    }
  });

  it('an explicit kMax beyond every task yields null points, not NaN', () => {
    const wide = ttsCurves(groups, 5);
    expect(wide.tasks[4]).toBe(0);
    expect(wide.tts.verifier[4]).toBeNull();
    expect(wide.passK[4]).toBeNull();
  });
});

describe('groupCandidates', () => {
  it('drops masked rows and attaches scores by rollout id', () => {
    const g = groupCandidates(
      [
        { rolloutId: 1, taskId: 't', resolved: true, masked: false, turns: 3 },
        { rolloutId: 2, taskId: 't', resolved: false, masked: true, turns: 1 },
        { rolloutId: 3, taskId: 'u', resolved: false, masked: false, turns: 2 },
      ],
      new Map([[1, 0.75]]),
    );
    expect(g.get('t')).toEqual([c(1, 0.75, true, 3)]);
    expect(g.get('u')).toEqual([c(3, null, false, 2)]);
  });
});
