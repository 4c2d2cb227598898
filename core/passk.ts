// Pass@k and TTS@K. The unbiased estimator of Chen et al. (2021): pass@k = 1 - C(n - c, k) / C(n, k), computed as
// a product so it neither overflows (C(200, 100) ~ 9e58) nor cancels catastrophically.
import { createRng, shuffle } from './sampling.ts';

function checkCounts(n: number, c: number, k: number): void {
  for (const [name, v] of [
    ['n', n],
    ['c', c],
    ['k', k],
  ] as const) {
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`passAtK: ${name} must be a non-negative integer (got ${v})`);
  }
  if (c > n) throw new RangeError(`passAtK: c (${c}) must be <= n (${n})`);
  if (k < 1 || k > n) throw new RangeError(`passAtK: k (${k}) must be in 1..n (n = ${n})`);
}

/** Probability that at least one of k samples drawn without replacement from n (c correct) is correct. */
export function passAtK(n: number, c: number, k: number): number {
  checkCounts(n, c, k);
  if (n - c < k) return 1;
  // C(n-c, k) / C(n, k) = prod_{i = n-c+1}^{n} (1 - k / i)
  let ratio = 1;
  for (let i = n - c + 1; i <= n; i++) ratio *= 1 - k / i;
  return 1 - ratio;
}

/** Mean pass@k over tasks; tasks with fewer than k scored samples are left out (and counted). */
export function meanPassAtK(
  tasks: readonly { n: number; c: number }[],
  k: number,
): { value: number | null; tasks: number; skipped: number } {
  const usable = tasks.filter((t) => t.n >= k);
  if (usable.length === 0) return { value: null, tasks: 0, skipped: tasks.length };
  const sum = usable.reduce((s, t) => s + passAtK(t.n, t.c, k), 0);
  return { value: sum / usable.length, tasks: usable.length, skipped: tasks.length - usable.length };
}

export interface Candidate {
  rolloutId: number;
  resolved: boolean;
  /** Verifier score (higher is better); null when the candidate could not be scored (e.g. masked). */
  score: number | null;
  turns: number;
}

export type Selector = 'verifier' | 'random' | 'fewest_turns';

/** Picks one candidate; ties break on fewer turns, then lower rollout id, so the choice is reproducible. */
export function pickCandidate(cands: readonly Candidate[], selector: Selector, seed = 0): Candidate | undefined {
  if (cands.length === 0) return undefined;
  const byId = [...cands].sort((a, b) => a.rolloutId - b.rolloutId);
  if (selector === 'random') return shuffle(byId, createRng(seed))[0];
  const key = (c: Candidate) => (selector === 'verifier' ? -(c.score ?? Number.NEGATIVE_INFINITY) : c.turns);
  return byId.sort((a, b) => key(a) - key(b) || a.turns - b.turns || a.rolloutId - b.rolloutId)[0];
}

export interface TtsResult {
  tasks: number;
  /** Fraction of tasks whose picked candidate resolves. */
  ttsAtK: number | null;
  pass1: number | null;
  passK: number | null;
  k: number;
  picks: { taskId: string; rolloutId: number; resolved: boolean }[];
}

/** TTS@K against Pass@1 and Pass@K over the same K candidates per task (the report plots these together). */
export function ttsAtK(
  groups: ReadonlyMap<string, readonly Candidate[]>,
  k: number,
  selector: Selector,
  seed = 0,
): TtsResult {
  const picks: TtsResult['picks'] = [];
  const counts: { n: number; c: number }[] = [];
  for (const [taskId, cands] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const scored = cands.slice(0, k);
    const pick = pickCandidate(scored, selector, seed);
    if (pick) picks.push({ taskId, rolloutId: pick.rolloutId, resolved: pick.resolved });
    counts.push({ n: scored.length, c: scored.filter((c) => c.resolved).length });
  }
  const resolvedPicks = picks.filter((p) => p.resolved).length;
  return {
    tasks: groups.size,
    ttsAtK: groups.size ? resolvedPicks / groups.size : null,
    pass1: meanPassAtK(counts, 1).value,
    passK: meanPassAtK(counts, k).value,
    k,
    picks,
  };
}
