// Training's own paths: the cached tiny model, checkpoint steps, worker-relative inputs. The run's out_dirs are
// infra/layout.ts runPaths (a retry lands where the attempt it replaces did).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

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
