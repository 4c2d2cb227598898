// The modified files around each hunk, as the evaluation container read them (issue 14), kept in the artifact
// store next to the rollout's trajectory (<sample>.context.json): a blob, so the row holds none of it and the path
// follows from the trajectory's. SWE-World reads it back as the code execution saw; absent -> hunk context only.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FileContext } from '../harness/contextScript.ts';

export const contextPathOf = (trajectoryPath: string) => trajectoryPath.replace(/\.jsonl$/, '') + '.context.json';

export async function writeContext(trajectoryPath: string, context: readonly FileContext[] | undefined): Promise<void> {
  if (!context?.length) return;
  const path = contextPathOf(trajectoryPath);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, JSON.stringify(context));
  await rename(tmp, path);
}

/** [] when there is none (older rollouts, nothing evaluated) or the file is unreadable. */
export function readContext(trajectoryPath: string | null): FileContext[] {
  if (!trajectoryPath) return [];
  const path = contextPathOf(trajectoryPath);
  if (!existsSync(path)) return [];
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return Array.isArray(v) ? (v as FileContext[]) : [];
  } catch {
    return [];
  }
}
