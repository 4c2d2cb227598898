import { describe, expect, it } from 'vitest';
import { batchNeed, imageEstimate, planEviction, type ImageFootprint } from '../../../core/diskBudget.ts';

const img = (taskId: string, bytes: number, lastUsed: number): ImageFootprint => ({
  taskId,
  image: `swe-forge/task:${taskId}`,
  bytes,
  lastUsed,
});

describe('disk budget', () => {
  const images = [img('a', 10, 3), img('b', 10, 1), img('c', 10, 2), img('d', 10, 4)];

  it('evicts least recently used first and never the current batch', () => {
    const p = planEviction({ images, keep: new Set(['b']), baseBytes: 100, incomingBytes: 10, budgetBytes: 130 });
    // 100 + 40 + 10 = 150: two must go; b is the oldest but kept, so c (2) then a (3).
    expect(p.remove.map((i) => i.taskId)).toEqual(['c', 'a']);
    expect(p).toMatchObject({ fits: true, afterBytes: 130 });
  });

  it('removes nothing when the set fits', () => {
    expect(planEviction({ images, keep: new Set(), baseBytes: 0, incomingBytes: 0, budgetBytes: 40 }).remove).toEqual(
      [],
    );
  });

  it('says when even the batch alone does not fit', () => {
    const p = planEviction({ images, keep: new Set(['a', 'b']), baseBytes: 100, incomingBytes: 0, budgetBytes: 115 });
    expect(p.fits).toBe(false);
    expect(p.remove.map((i) => i.taskId)).toEqual(['c', 'd']);
  });

  it('estimates missing images at the largest known one', () => {
    const known = [img('a', 5, 0), img('b', 7, 0)];
    expect(imageEstimate(known)).toBe(7);
    expect(batchNeed(known, ['a', 'x', 'y'], 7)).toEqual({ bytes: 19, missing: ['x', 'y'] });
  });
});
