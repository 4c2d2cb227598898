// The artifact store's layout: every path a run writes under <artifacts>/runs/<runId>, in one place. A retry must
// land where the attempt it replaces did (the trainer resumes from the newest checkpoint in its out_dir, a
// trajectory file is replaced whole), so every path derives from ids alone.
import { join } from 'node:path';
import { InputError } from '../core/errors.ts';
import { isRunId, runIdMessage } from '../core/ids.ts';

/** <artifacts>/runs/<runId>; the id is checked, since it names a directory. */
export function runDir(artifactsDir: string, runId: string): string {
  if (!isRunId(runId)) throw new InputError(runIdMessage('runId', runId));
  return join(artifactsDir, 'runs', runId);
}

/** Ids become path segments: anything outside [A-Za-z0-9._-] (a `/` in an instance id) is replaced. */
export const pathSegment = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || '_';

export interface TrajectoryKey {
  runId: string;
  stage: string;
  taskId: string;
  sample: number;
}

export const runPaths = {
  /** One JSONL file of messages per rollout. */
  trajectory: (artifactsDir: string, k: TrajectoryKey) =>
    join(
      artifactsDir,
      'runs',
      pathSegment(k.runId),
      'trajectories',
      k.stage,
      pathSegment(k.taskId),
      `${k.sample}.jsonl`,
    ),
  /** Datasets the stages build (sft, sft-round-2, grpo-iter-0003, verifier-orm...). */
  dataset: (artifactsDir: string, runId: string, name: string) =>
    join(runDir(artifactsDir, runId), 'datasets', `${name}.jsonl`),
  reports: (artifactsDir: string, runId: string) => join(runDir(artifactsDir, runId), 'reports'),
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
