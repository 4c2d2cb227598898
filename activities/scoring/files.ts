// Where a run's scoring and report artifacts live, and atomic JSONL writes (a reader never sees half a file).
import { createWriteStream, mkdirSync, renameSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
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

export async function writeJsonlAtomic(path: string, rows: Iterable<unknown>): Promise<number> {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const out = createWriteStream(tmp, { encoding: 'utf8' });
  let n = 0;
  try {
    for (const row of rows) {
      if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
      n++;
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  renameSync(tmp, path);
  return n;
}
