// Where training outputs live. A retry must land in the same directory as the attempt it replaces, because the
// trainer resumes from the newest complete checkpoint in its out_dir: so every path derives from ids alone.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../../core/errors.ts';

/** Same rule as the run bookkeeping: a run id names a directory, so no separators or dots up front. */
export function runDir(artifactsDir: string, runId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(runId)) {
    throw new InputError(
      `runId: ${JSON.stringify(runId)} must be letters, digits, '.', '_' or '-' (it names a directory)`,
    );
  }
  return join(artifactsDir, 'runs', runId);
}

export const trainingPaths = {
  sft: (artifactsDir: string, runId: string) => join(runDir(artifactsDir, runId), 'sft'),
  /** A rejection-sampling round after the first (stages.sft.rounds): one out_dir per round. */
  sftRound: (artifactsDir: string, runId: string, round: number) =>
    join(runDir(artifactsDir, runId), `sft-round-${round}`),
  /** SFT of the SWE-World simulator on recorded executions: its own dir, since one out_dir holds one command. */
  sweWorldSft: (artifactsDir: string, runId: string) => join(runDir(artifactsDir, runId), 'swe-world-sft'),
  rlIteration: (artifactsDir: string, runId: string, iteration: number) =>
    join(runDir(artifactsDir, runId), 'rl', `iter-${iteration}`),
  verifier: (artifactsDir: string, runId: string) => join(runDir(artifactsDir, runId), 'verifier'),
  onnx: (artifactsDir: string, runId: string) => join(runDir(artifactsDir, runId), 'verifier', 'onnx'),
};

/**
 * The tiny model is a pure function of its corpus and seed (make-tiny-model is deterministic), so it is cached
 * across runs under a content hash: a changed corpus file gives a new directory, never a stale model.
 */
export function tinyModelDir(cacheDir: string, corpusFiles: string[], seed: number): string {
  const h = createHash('sha256');
  h.update(`seed=${seed}\n`);
  for (const file of corpusFiles) {
    const bytes = readFileSync(file);
    h.update(`${bytes.length}\n`).update(bytes);
  }
  return join(cacheDir, 'models', `tiny-${h.digest('hex').slice(0, 16)}`);
}

/** Relative paths in activity inputs are relative to `base` (workflows cannot know this worker's directories). */
export function resolveFrom(base: string, path: string): string {
  return resolve(base, path); // normalised too: checkpoint paths are compared as strings
}

/** `…/checkpoints/step-000012` → 12; the trainer's directory names carry the step. */
export function stepOfCheckpoint(path: string): number | undefined {
  const m = /step-(\d+)\/?$/.exec(path);
  return m ? Number(m[1]) : undefined;
}
