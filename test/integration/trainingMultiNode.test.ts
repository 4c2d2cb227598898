// launcher torchrun-hosts for real: two "hosts" (this machine twice, through test/helpers/fake-ssh.sh, a stand-in
// for ssh) each run one torchrun agent; they meet in one c10d rendezvous and train the tiny model as a 2-rank gloo
// job on CPU. Killing one rank mid-run fails the activity with a retryable failure; the retry resumes.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import type { TrainingHeartbeat } from '../../activities/training/runner.ts';
import {
  activity,
  completeSteps,
  freePort,
  startTrainingFixture,
  type TrainingFixture,
} from '../helpers/trainingActivities.ts';

const FAKE_SSH = join(import.meta.dirname, '..', 'helpers', 'fake-ssh.sh');
let fx: TrainingFixture;

/** The pid of the trainer process with RANK=`rank` whose command line names `configPath`. */
function rankPid(configPath: string, rank: number): number | undefined {
  for (const d of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (!cmd.includes(configPath) || cmd.includes('torch.distributed.run')) continue;
      if (readFileSync(`/proc/${d}/environ`, 'utf8').split('\0').includes(`RANK=${rank}`)) return Number(d);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return undefined;
}

beforeAll(async () => {
  process.env.SWE_FORGE_TORCH_THREADS = '1';
  fx = await startTrainingFixture('multinode', { SWE_FORGE_KILL_GRACE_S: '20' });
}, 180_000);
afterAll(async () => fx?.stack.stop());

describe('launcher torchrun-hosts', () => {
  it('one rendezvous over two hosts; a killed rank fails retryably and the retry resumes from the checkpoint', async () => {
    const training = {
      launcher: 'torchrun-hosts',
      nodes: 2,
      gpusPerNode: 1,
      hosts: ['localhost', 'localhost'],
      hostCommand: `${FAKE_SSH} {host} {command}`,
      rendezvousPort: await freePort(),
    };
    const input = fx.sftInput('mn', training, { steps: 6, saveEvery: 2 });
    const outDir = join(fx.artifactsDir, 'runs', 'mn', 'sft');
    const configPath = join(outDir, 'sft.config.json');

    const first: TrainingHeartbeat[] = [];
    const attempt1 = activity({ attempt: 1 }, first);
    let killed: number | undefined;
    attempt1.env.on('heartbeat', (d: TrainingHeartbeat) => {
      if (d.checkpoint && !killed) {
        killed = rankPid(configPath, 1);
        if (killed) process.kill(killed, 'SIGKILL');
      }
    });
    const err = await attempt1.run(() => fx.acts.trainSft(input)).catch((e: unknown) => e);
    expect(killed).toBeGreaterThan(0);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(['TrainerFailed', 'TrainerKilled']).toContain((err as ApplicationFailure).type);
    expect((err as ApplicationFailure).nonRetryable).toBe(false);
    // Both agents ran the same rendezvous: the config says 2 processes of 1 row each (global batch 2).
    expect(JSON.parse(readFileSync(configPath, 'utf8')).batch_size).toBe(1);
    const saved = Math.max(...completeSteps(outDir));
    expect(saved).toBeGreaterThanOrEqual(2);

    const attempt2 = activity({ attempt: 2, heartbeatDetails: first.at(-1) });
    const ref = await attempt2.run(() => fx.acts.trainSft(input));
    expect(ref.step).toBe(6);
    expect(ref.metrics.resumed_from_step).toBe(saved);
    expect(ref.metrics.world_size).toBe(2);
  }, 300_000);
});
