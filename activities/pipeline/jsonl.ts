// Writing JSONL artifacts atomically: a reader (the trainer, a retried activity) never sees half a file.
import { createWriteStream, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';

export async function writeJsonl(path: string, rows: Iterable<unknown>): Promise<number> {
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
