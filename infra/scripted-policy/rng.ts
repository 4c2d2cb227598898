// Seeded randomness for the scripted policy server (a TEST STAND-IN): the same (seed, task, sample) always
// yields the same behaviour, in any process, so rollout outcomes reproduce.

import { createRng, hashSeed } from '../../core/sampling.ts';

/** A stable 32-bit hash of a string (FNV-1a, shared with the pipeline's sampling). */
export const hash32 = (s: string): number => hashSeed(s);
export const mulberry32 = createRng;

export function rngFor(seed: number, taskId: string, sample: number): () => number {
  return mulberry32(hash32(`${seed}|${taskId}|${sample}`));
}
