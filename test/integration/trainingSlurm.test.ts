// launcher slurm against a real one-host Slurm (slurmctld + slurmd + munged on this machine, infra/slurm-local.sh):
// the activity submits the tiny-model SFT with sbatch, follows it through squeue and its output file, scancels it
// when the activity is cancelled, and a retry resumes from the checkpoint the cancelled job saved.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledFailure } from '@temporalio/common';
import type { TrainingHeartbeat } from '../../activities/training/runner.ts';
import { jobState } from '../../activities/training/slurmLauncher.ts';
import {
  activity,
  completeSteps,
  freePort,
  startTrainingFixture,
  type TrainingFixture,
} from '../helpers/trainingActivities.ts';

const SLURM_LOCAL = join(import.meta.dirname, '..', '..', 'infra', 'slurm-local.sh');
let fx: TrainingFixture;
let training: Record<string, unknown>;

beforeAll(async () => {
  // Fails (not skips) without Slurm: infra/bootstrap.sh --test installs slurm-wlm and munge.
  const asRoot = process.getuid?.() === 0 ? ['bash', SLURM_LOCAL] : ['sudo', '-n', 'bash', SLURM_LOCAL];
  expect(execFileSync(asRoot[0]!, asRoot.slice(1), { encoding: 'utf8' })).toContain('ready');
  process.env.SWE_FORGE_TORCH_THREADS = '1';
  fx = await startTrainingFixture('slurm', { SWE_FORGE_KILL_GRACE_S: '20' });
  const rendezvousPort = await freePort();
  training = { launcher: 'slurm', nodes: 1, gpusPerNode: 1, rendezvousPort, slurm: { gpus: false, pollSeconds: 1 } };
}, 180_000);
afterAll(async () => fx?.stack.stop());

describe('launcher slurm', () => {
  it('cancels the job an earlier attempt left running, then runs the SFT as an sbatch job to its checkpoint', async () => {
    // A job an earlier attempt left running (its worker died): the retry cancels it before it submits its own.
    const orphan = execFileSync('sbatch', ['--parsable', '--wrap', 'sleep 600', '--output=/dev/null'], {
      encoding: 'utf8',
    }).trim();
    const earlier: TrainingHeartbeat = { step: 0, checkpoint: null, pid: 0, slurmJobId: orphan };
    const beats: TrainingHeartbeat[] = [];
    const a = activity({ attempt: 2, heartbeatDetails: earlier }, beats);
    const ref = await a.run(() => fx.acts.trainSft(fx.sftInput('sl', training, { steps: 2 })));
    expect(execFileSync('scontrol', ['show', 'job', '-o', orphan], { encoding: 'utf8' })).toContain(
      'JobState=CANCELLED',
    );
    const outDir = join(fx.artifactsDir, 'runs', 'sl', 'sft');
    expect(ref).toMatchObject({ step: 2, path: join(outDir, 'checkpoints', 'step-000002') });
    expect(existsSync(join(ref.path, 'model.safetensors'))).toBe(true);
    const jobId = beats.find((b) => b.slurmJobId && b.slurmJobId !== orphan)?.slurmJobId;
    expect(jobId).toMatch(/^\d+$/);
    // The trainer ran inside the job: its events came through the job's output file.
    expect(readFileSync(join(outDir, 'slurm', `${jobId}.out`), 'utf8')).toContain('"event": "done"');
    expect(execFileSync('scontrol', ['show', 'job', '-o', jobId!], { encoding: 'utf8' })).toContain(
      'JobState=COMPLETED',
    );
  }, 120_000);

  it('scancels the job when the activity is cancelled; the retry resumes from its checkpoint', async () => {
    const beats: TrainingHeartbeat[] = [];
    const a = activity({ attempt: 1 }, beats);
    a.env.on('heartbeat', (d: TrainingHeartbeat) => d.checkpoint && a.env.cancel());
    const input = fx.sftInput('slc', training, { steps: 400, saveEvery: 2 });
    const err = await a.run(() => fx.acts.trainSft(input)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledFailure);
    const jobId = beats.find((b) => b.slurmJobId)!.slurmJobId!;
    // Gone from the queue (squeue lists only pending/running jobs), and Slurm says it was cancelled.
    expect(await jobState(jobId)).toBeUndefined();
    expect(execFileSync('scontrol', ['show', 'job', '-o', jobId], { encoding: 'utf8' })).toMatch(/JobState=CANCELLED/);
    const saved = Math.max(...completeSteps(join(fx.artifactsDir, 'runs', 'slc', 'sft')));
    expect(saved).toBeGreaterThanOrEqual(2);

    const retry = { ...input, sft: { ...input.sft, steps: saved + 2 } };
    const ref = await activity({ attempt: 2, heartbeatDetails: beats.at(-1) }).run(() => fx.acts.trainSft(retry));
    expect(ref.step).toBe(saved + 2);
    expect(ref.metrics.resumed_from_step).toBe(saved);
  }, 180_000);
});
