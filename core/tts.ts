// Test-time scaling as curves over K. For each task with n candidates, every number here is the EXACT average over
// all C(n, K) subsets of K candidates (not a Monte-Carlo estimate, and not "the first K samples"): a
// deterministic selector picks the best-ranked member of a subset, and rank i (0-based, best first) is the pick of
// exactly C(n - 1 - i, K - 1) of the C(n, K) subsets. Averaging over subsets is what makes TTS@K comparable with
// the unbiased Pass@K estimator, which is the same average for the selector that knows the outcome (the oracle).
// Tasks with fewer than K scored candidates are left out of the point for that K (and counted). Pure.
import { passAtK, pickCandidate, type Candidate, type Selector } from './passk.ts';

export type { Candidate, Selector } from './passk.ts';
export const SELECTORS: readonly Selector[] = ['verifier', 'fewest_turns', 'random'];

const byId = (a: Candidate, b: Candidate) => a.rolloutId - b.rolloutId;
const score = (c: Candidate) => c.score ?? Number.NEGATIVE_INFINITY;

/**
 * Best first. verifier: highest score, ties -> fewer turns, then lower rollout id (unscored candidates last);
 * fewest_turns: fewer turns, then lower id. The same order pickCandidate (core/passk.ts) uses for one pick.
 */
export function rankCandidates(cands: readonly Candidate[], selector: Exclude<Selector, 'random'>): Candidate[] {
  const sorted = [...cands].sort(byId);
  if (selector === 'fewest_turns') return sorted.sort((a, b) => a.turns - b.turns || byId(a, b));
  return sorted.sort((a, b) => score(b) - score(a) || a.turns - b.turns || byId(a, b));
}

/** The pick per task for the K candidates a TTS run actually sampled (the report's headline number). */
export function selectPerTask(
  groups: ReadonlyMap<string, readonly Candidate[]>,
  selector: Selector,
  seed = 0,
): Map<string, Candidate> {
  const out = new Map<string, Candidate>();
  for (const [task, cands] of groups) {
    const pick = pickCandidate(cands, selector, seed);
    if (pick) out.set(task, pick);
  }
  return out;
}

/** Share of the C(n, k) subsets of size k whose best-ranked member is rank i: C(n-1-i, k-1) / C(n, k). */
export function pickProbability(n: number, i: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(i) || !Number.isInteger(k) || k < 1 || k > n || i < 0 || i >= n) {
    throw new RangeError(
      `pickProbability: need integers 1 <= k <= n and 0 <= i < n (got n = ${n}, i = ${i}, k = ${k})`,
    );
  }
  // C(n, k) = (n / k) C(n-1, k-1), and removing the i better-ranked members one at a time multiplies
  // C(m, k-1) by (m - (k-1)) / m: a product of ratios, so nothing overflows.
  let p = k / n;
  for (let j = 0, m = n - 1; j < i; j++, m--) {
    if (m - (k - 1) <= 0) return 0;
    p *= (m - (k - 1)) / m;
  }
  return p;
}

/** Expected resolved rate of a deterministic ranking on a random K-subset. */
export function expectedPickResolved(ranked: readonly Candidate[], k: number): number {
  let sum = 0;
  ranked.forEach((c, i) => {
    if (c.resolved) sum += pickProbability(ranked.length, i, k);
  });
  return sum;
}

/** One task's value for a selector at K (the random selector's expectation is c / n for every K). */
export function taskTtsAtK(cands: readonly Candidate[], k: number, selector: Selector | 'oracle'): number {
  const n = cands.length;
  const c = cands.filter((x) => x.resolved).length;
  if (selector === 'random') return c / n;
  if (selector === 'oracle') {
    const ranked = [...cands].sort((a, b) => Number(b.resolved) - Number(a.resolved) || byId(a, b));
    return expectedPickResolved(ranked, k);
  }
  return expectedPickResolved(rankCandidates(cands, selector), k);
}

export interface TtsCurves {
  k: number[];
  /** Tasks that have at least K candidates (the ones each point averages over). */
  tasks: number[];
  /** Mean over tasks of c / n: the expected resolved rate of one sample. Flat in K by definition. */
  pass1: (number | null)[];
  /** Mean unbiased pass@K (Chen et al.). */
  passK: (number | null)[];
  /** The selector that knows the outcome, averaged over subsets: equals passK; computed apart as a check. */
  oracle: (number | null)[];
  tts: Record<Selector, (number | null)[]>;
}

/** Curves for K = 1..kMax (default: the largest candidate count of any task). Empty groups are ignored. */
export function ttsCurves(groups: ReadonlyMap<string, readonly Candidate[]>, kMax?: number): TtsCurves {
  const tasks = [...groups.values()].filter((g) => g.length > 0);
  const top = kMax ?? Math.max(0, ...tasks.map((g) => g.length));
  const curves: TtsCurves = {
    k: [],
    tasks: [],
    pass1: [],
    passK: [],
    oracle: [],
    tts: { verifier: [], fewest_turns: [], random: [] },
  };
  const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);
  for (let k = 1; k <= top; k++) {
    const usable = tasks.filter((g) => g.length >= k);
    curves.k.push(k);
    curves.tasks.push(usable.length);
    curves.pass1.push(mean(usable.map((g) => g.filter((c) => c.resolved).length / g.length)));
    curves.passK.push(mean(usable.map((g) => passAtK(g.length, g.filter((c) => c.resolved).length, k))));
    curves.oracle.push(mean(usable.map((g) => taskTtsAtK(g, k, 'oracle'))));
    for (const s of SELECTORS) curves.tts[s].push(mean(usable.map((g) => taskTtsAtK(g, k, s))));
  }
  return curves;
}

export interface CandidateRow {
  rolloutId: number;
  taskId: string;
  resolved: boolean;
  masked: boolean;
  turns: number;
}

/** Candidates per task from rollout rows; masked rows (infrastructure errors) are not candidates at all. */
export function groupCandidates(
  rows: readonly CandidateRow[],
  scores: ReadonlyMap<number, number>,
): Map<string, Candidate[]> {
  const groups = new Map<string, Candidate[]>();
  for (const r of rows) {
    if (r.masked) continue;
    const c: Candidate = {
      rolloutId: r.rolloutId,
      resolved: r.resolved,
      score: scores.get(r.rolloutId) ?? null,
      turns: r.turns,
    };
    groups.set(r.taskId, [...(groups.get(r.taskId) ?? []), c]);
  }
  return groups;
}
