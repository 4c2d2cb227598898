// The trajectory module: this file stores and reads them, wire.ts turns them into what an endpoint receives,
// toolSpecs.ts holds the tools' schemas. One JSONL file of TrajectoryMessage per rollout at
// <artifactsDir>/runs/<runId>/trajectories/<stage>/<taskId>/<sample>.jsonl, written atomically (temp file +
// rename), so a retried activity replaces the file whole and a reader never sees half of one.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { runPaths } from '../../infra/layout.ts';
import { InputError } from '../../core/errors.ts';
import type { TrajectoryMessage } from '../../contracts/rollout.ts';

export { pathSegment, type TrajectoryKey } from '../../infra/layout.ts';

/** <artifacts>/runs/<runId>/trajectories/<stage>/<task>/<sample>.jsonl (infra/layout.ts). */
export const trajectoryPath = runPaths.trajectory;

export async function writeTrajectory(path: string, messages: TrajectoryMessage[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, messages.map((m) => `${JSON.stringify(m)}\n`).join(''));
  await rename(tmp, path);
}

/**
 * What a reader does with a file that is not there and a line that is not a message. Every reader states it:
 * - `strict` (the default): both are an InputError naming the file and line. Training data (SFT rows, GRPO batches)
 *   and exports read this way, and a caller that can do without one rollout catches it and leaves it out.
 * - `view`: a missing file is an empty trajectory and a bad line becomes a system message saying so, so a
 *   half-written last line (a worker killed mid-append) does not hide the rest from the viewer.
 */
export type ReadPolicy = 'strict' | 'view';

/** The messages of a trajectory file, meta included, under `policy`. */
export function readTrajectory(path: string | null, policy: ReadPolicy = 'strict'): TrajectoryMessage[] {
  if (!path || !existsSync(path)) {
    if (policy === 'view') return [];
    throw new InputError(`trajectory file missing: ${path}`);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read trajectory ${path}: ${(err as Error).message}`);
  }
  const out: TrajectoryMessage[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const problem = (what: string) => {
      if (policy === 'strict') throw new InputError(`trajectory ${path} line ${i + 1}: ${what}`);
      out.push({ role: 'system', content: `[line ${i + 1} of ${path} is ${what}]` });
    };
    let m: unknown;
    try {
      m = JSON.parse(line);
    } catch {
      return problem('not valid JSON');
    }
    const role = (m as { role?: unknown }).role;
    if (
      !['system', 'user', 'assistant', 'tool'].includes(role as string) ||
      typeof (m as { content?: unknown }).content !== 'string'
    ) {
      return problem('not a message with a role and string content');
    }
    out.push(m as TrajectoryMessage);
  });
  return out;
}
