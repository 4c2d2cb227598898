// Where a run's scoring and report artifacts live, and atomic JSONL writes (a reader never sees half a file).
import { join } from 'node:path';
import { InputError } from '../../core/errors.ts';

/** <artifacts>/runs/<runId>: the same layout every stage uses. */
export function runArtifactsDir(artifactsDir: string, runId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(runId)) {
    throw new InputError(
      `runId: ${JSON.stringify(runId)} must be letters, digits, '.', '_' or '-' (it names a directory)`,
    );
  }
  return join(artifactsDir, 'runs', runId);
}

export { writeJsonl as writeJsonlAtomic } from '../pipeline/jsonl.ts';
