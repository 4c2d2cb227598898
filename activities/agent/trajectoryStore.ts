// Trajectories in the artifact store: one JSONL file of TrajectoryMessage per rollout at
// <artifactsDir>/runs/<runId>/trajectories/<stage>/<taskId>/<sample>.jsonl. Written atomically (temp file +
// rename), so a retried activity replaces the file whole and a reader never sees half of one.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InputError } from '../../core/errors.ts';
import type { RolloutStage, TrajectoryMessage } from '../../contracts/rollout.ts';

/** Ids become path segments: anything outside [A-Za-z0-9._-] (a `/` in an instance id) is replaced. */
export const pathSegment = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || '_';

export interface TrajectoryKey {
  runId: string;
  stage: RolloutStage;
  taskId: string;
  sample: number;
}

export function trajectoryPath(artifactsDir: string, k: TrajectoryKey): string {
  return join(
    artifactsDir,
    'runs',
    pathSegment(k.runId),
    'trajectories',
    k.stage,
    pathSegment(k.taskId),
    `${k.sample}.jsonl`,
  );
}

export async function writeTrajectory(path: string, messages: TrajectoryMessage[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, messages.map((m) => `${JSON.stringify(m)}\n`).join(''));
  await rename(tmp, path);
}

/** The messages of a trajectory file, meta included; errors name the file and line. */
export async function readTrajectory(path: string): Promise<TrajectoryMessage[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read trajectory ${path}: ${(err as Error).message}`);
  }
  const out: TrajectoryMessage[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let m: unknown;
    try {
      m = JSON.parse(line);
    } catch {
      throw new InputError(`trajectory ${path} line ${i + 1}: not valid JSON`);
    }
    const role = (m as { role?: unknown }).role;
    if (
      !['system', 'user', 'assistant', 'tool'].includes(role as string) ||
      typeof (m as { content?: unknown }).content !== 'string'
    ) {
      throw new InputError(`trajectory ${path} line ${i + 1}: expected a message with a role and string content`);
    }
    out.push(m as TrajectoryMessage);
  });
  return out;
}
