// Seeded, platform-independent randomness for choosing task batches. Workflows replay this code, so the same
// (seed, label) must give the same batch on every machine and every replay: no Math.random anywhere.

/** FNV-1a over the parts joined with '\u0000': a stable 32-bit seed from a run seed and labels. */
export function hashSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  const text = parts.map(String).join('\u0000');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: tiny, fast and good enough to pick tasks; returns floats in [0, 1). */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates on a copy. */
export function shuffle<T>(items: readonly T[], rng: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * k distinct task ids from the pool, without replacement. The pool is sorted first so the batch depends only on
 * the set of ids and the seed, not on the order a database returned them in. k >= pool size returns every id.
 */
export function sampleTasks(pool: readonly string[], k: number, seed: number): string[] {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`sampleTasks: k must be a non-negative integer (got ${k})`);
  const sorted = [...new Set(pool)].sort();
  return shuffle(sorted, createRng(seed)).slice(0, Math.min(k, sorted.length));
}

/**
 * The rollouts table is unique on (run, stage, task, sample), and RL samples the same task in many iterations,
 * so an RL sample index encodes the iteration: iteration i (from 1), member j of G -> (i - 1) * G + j.
 */
export function rlSampleIndex(iteration: number, groupSize: number, member: number): number {
  if (iteration < 1 || member < 0 || member >= groupSize) {
    throw new RangeError(
      `rlSampleIndex: need iteration >= 1 and 0 <= member < groupSize (got ${iteration}, ${member}, ${groupSize})`,
    );
  }
  return (iteration - 1) * groupSize + member;
}

/** The sample range [from, to) that iteration i's rollouts occupy. */
export function rlSampleRange(iteration: number, groupSize: number): { from: number; to: number } {
  return { from: (iteration - 1) * groupSize, to: iteration * groupSize };
}

/** Splits items into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk: size must be a positive integer (got ${size})`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
