import { describe, expect, it } from 'vitest';
import { meanPassAtK, passAtK, pickCandidate, ttsAtK, type Candidate } from '../../../core/passk.ts';

function binom(n: number, k: number): bigint {
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
  return r;
}

describe('unbiased pass@k', () => {
  it('matches hand-computed values', () => {
    expect(passAtK(5, 2, 1)).toBeCloseTo(0.4, 12);
    expect(passAtK(5, 2, 2)).toBeCloseTo(1 - 3 / 10, 12); // C(3,2)/C(5,2)
    expect(passAtK(10, 3, 5)).toBeCloseTo(1 - 21 / 252, 12); // C(7,5)/C(10,5)
    expect(passAtK(4, 0, 2)).toBe(0);
    expect(passAtK(4, 4, 2)).toBe(1);
    expect(passAtK(4, 3, 2)).toBe(1); // n - c < k: every draw of 2 contains a correct one
  });

  it('pass@1 is the plain success rate', () => {
    for (let c = 0; c <= 8; c++) expect(passAtK(8, c, 1)).toBeCloseTo(c / 8, 12);
  });

  it('stays accurate where binomials overflow doubles', () => {
    // C(200, 100) ~ 9e58: the naive ratio loses nothing here, but C(1000, 500) is Infinity in doubles.
    const exact = (n: number, c: number, k: number) => {
      const scale = 10n ** 30n;
      return 1 - Number((binom(n - c, k) * scale) / binom(n, k)) / 1e30;
    };
    expect(passAtK(200, 50, 100)).toBeCloseTo(exact(200, 50, 100), 12);
    expect(passAtK(1000, 3, 500)).toBeCloseTo(exact(1000, 3, 500), 12);
    expect(Number.isFinite(passAtK(1000, 3, 500))).toBe(true);
  });

  it('rejects impossible counts with the argument named', () => {
    expect(() => passAtK(3, 4, 1)).toThrow(/c \(4\) must be <= n/);
    expect(() => passAtK(3, 1, 4)).toThrow(/k \(4\) must be in 1\.\.n/);
    expect(() => passAtK(3, 1.5, 1)).toThrow(/c must be a non-negative integer/);
  });

  it('averages over tasks and skips those with fewer than k samples', () => {
    const r = meanPassAtK(
      [
        { n: 4, c: 2 },
        { n: 4, c: 0 },
        { n: 1, c: 1 },
      ],
      2,
    );
    // task 1: 1 - C(2,2)/C(4,2) = 5/6; task 2: 0
    expect(r.value).toBeCloseTo(5 / 12, 12);
    expect(r).toMatchObject({ tasks: 2, skipped: 1 });
  });
});

describe('TTS@K', () => {
  const c = (rolloutId: number, resolved: boolean, score: number | null, turns = 5): Candidate => ({
    rolloutId,
    resolved,
    score,
    turns,
  });

  it('picks the highest verifier score, ties on fewer turns then lower id', () => {
    expect(pickCandidate([c(1, false, 0.2), c(2, true, 0.9), c(3, false, 0.5)], 'verifier')?.rolloutId).toBe(2);
    expect(pickCandidate([c(4, false, 0.9, 7), c(2, true, 0.9, 3)], 'verifier')?.rolloutId).toBe(2);
    expect(pickCandidate([c(5, false, 0.9), c(3, true, 0.9)], 'verifier')?.rolloutId).toBe(3);
    expect(pickCandidate([c(1, false, null), c(2, true, 0.1)], 'verifier')?.rolloutId).toBe(2);
    expect(pickCandidate([c(1, false, 0.9, 9), c(2, true, 0.1, 2)], 'fewest_turns')?.rolloutId).toBe(2);
    expect(pickCandidate([], 'verifier')).toBeUndefined();
  });

  it('random selection is reproducible from the seed', () => {
    const cands = [c(1, false, 0), c(2, true, 0), c(3, false, 0), c(4, true, 0)];
    expect(pickCandidate(cands, 'random', 42)).toEqual(pickCandidate([...cands].reverse(), 'random', 42));
  });

  it('reports TTS@K, Pass@1 and Pass@K over the same candidates', () => {
    const groups = new Map<string, Candidate[]>([
      ['t1', [c(1, false, 0.1), c(2, true, 0.8)]], // verifier right
      ['t2', [c(3, true, 0.2), c(4, false, 0.7)]], // verifier wrong
      ['t3', [c(5, false, 0.5), c(6, false, 0.4)]], // unsolvable
    ]);
    const r = ttsAtK(groups, 2, 'verifier');
    expect(r.ttsAtK).toBeCloseTo(1 / 3, 12);
    expect(r.pass1).toBeCloseTo((0.5 + 0.5 + 0) / 3, 12);
    expect(r.passK).toBeCloseTo(2 / 3, 12);
    expect(r.picks).toEqual([
      { taskId: 't1', rolloutId: 2, resolved: true },
      { taskId: 't2', rolloutId: 4, resolved: false },
      { taskId: 't3', rolloutId: 5, resolved: false },
    ]);
  });
});
