import { describe, expect, it } from 'vitest';
import { chunk, createRng, hashSeed, rlSampleIndex, rlSampleRange, sampleTasks } from '../../../core/sampling.ts';

describe('seeded sampling', () => {
  it('hashes with FNV-1a', () => {
    expect(hashSeed()).toBe(0x811c9dc5); // offset basis for the empty string
    expect(hashSeed('a')).toBe(0xe40c292c);
    expect(hashSeed(7, 'rl', 3)).toBe(hashSeed('7', 'rl', '3'));
    expect(hashSeed(7, 'rl', 3)).not.toBe(hashSeed(7, 'rl', 4));
  });

  it('the generator is reproducible, in [0, 1) and roughly uniform', () => {
    const a = createRng(123);
    const b = createRng(123);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const buckets = Array.from({ length: 10 }, () => 0);
    for (const x of xs) buckets[Math.floor(x * 10)]!++;
    for (const n of buckets) expect(Math.abs(n - 1000)).toBeLessThan(150);
  });

  it('samples distinct tasks, independent of the pool order', () => {
    const pool = Array.from({ length: 50 }, (_, i) => `task-${i}`);
    const a = sampleTasks(pool, 8, 99);
    expect(new Set(a).size).toBe(8);
    expect(sampleTasks([...pool].reverse(), 8, 99)).toEqual(a);
    expect(sampleTasks(pool, 8, 100)).not.toEqual(a);
    expect(sampleTasks(pool, 80, 1).sort()).toEqual([...pool].sort());
    expect(sampleTasks(['x', 'x', 'y'], 5, 1).sort()).toEqual(['x', 'y']);
    expect(() => sampleTasks(pool, -1, 1)).toThrow(/non-negative/);
  });

  it('encodes the RL iteration in the sample index so iterations never collide', () => {
    expect(rlSampleIndex(1, 4, 0)).toBe(0);
    expect(rlSampleIndex(3, 4, 2)).toBe(10);
    expect(rlSampleRange(3, 4)).toEqual({ from: 8, to: 12 });
    expect(() => rlSampleIndex(0, 4, 0)).toThrow(RangeError);
    expect(() => rlSampleIndex(1, 4, 4)).toThrow(RangeError);
  });

  it('chunks', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 3)).toEqual([]);
    expect(() => chunk([1], 0)).toThrow(/positive/);
  });
});
