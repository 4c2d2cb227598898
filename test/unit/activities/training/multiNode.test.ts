// The multi-node command lines (activities/training/multiNode.ts) and how a Slurm job's end is classified.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrainingSchema } from '../../../../config/trainingSchema.ts';
import { parseRunConfig } from '../../../../config/load.ts';
import { memoryPlan } from '../../../../cli/preflight/memory.ts';
import { classifyExit } from '../../../../activities/training/failures.ts';
import {
  hostArgv,
  hostShellCommand,
  rendezvousId,
  sbatchScript,
  shellQuote,
  type MultiNodeJob,
} from '../../../../activities/training/multiNode.ts';
import { parseScontrolJob, slurmResult, submitToSlurm } from '../../../../activities/training/slurmLauncher.ts';

const job = (training: Record<string, unknown>): MultiNodeJob => ({
  pythonBin: '/opt/venv/bin/python',
  repoRoot: '/srv/swe forge',
  command: 'sft',
  configPath: '/shared/runs/r1/sft/sft.config.json',
  outDir: '/shared/runs/r1/sft',
  attempt: 2,
  training: TrainingSchema.parse(training),
});

describe('torchrun-hosts', () => {
  const j = job({ launcher: 'torchrun-hosts', nodes: 2, gpusPerNode: 8, hosts: ['gpu-a', 'gpu-b'] });

  it('gives every host the same rendezvous: endpoint on the first host, nnodes, nproc_per_node, one id', () => {
    const cmd = hostShellCommand(j, { SWE_FORGE_TORCH_THREADS: '4', SECRET: 'x' });
    for (const part of [
      '--nnodes=2',
      '--nproc_per_node=8',
      '--rdzv_backend=c10d',
      '--rdzv_endpoint=gpu-a:29400',
      `--rdzv_id=${rendezvousId('/shared/runs/r1/sft', 2)}`,
      '--max_restarts=0',
    ])
      expect(cmd).toContain(part);
    expect(cmd).toContain("cd '/srv/swe forge' && exec env PYTHONPATH='/srv/swe forge/trainer'");
    // Only the trainer's own settings travel to the host, not the worker's whole environment.
    expect(cmd).toContain('SWE_FORGE_TORCH_THREADS=4');
    expect(cmd).not.toContain('SECRET');
  });

  it('keeps {command} one argument of the template, as ssh expects', () => {
    const argv = hostArgv('ssh -o "ProxyJump bastion" {host} {command}', 'gpu-b', 'cd /x && exec python')!;
    expect(argv).toEqual(['ssh', '-o', 'ProxyJump bastion', 'gpu-b', 'cd /x && exec python']);
  });

  it('names the rendezvous per job and attempt', () => {
    expect(rendezvousId('/a', 1)).toBe(rendezvousId('/a', 1));
    expect(rendezvousId('/a', 1)).not.toBe(rendezvousId('/a', 2));
    expect(rendezvousId('/a', 1)).not.toBe(rendezvousId('/b', 1));
  });

  it('quotes for the shell', () => {
    const words = ["it's", 'a b', '$HOME', 'plain-1.0'];
    const out = execFileSync('sh', ['-c', `printf '%s\\n' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
    expect(out.trim().split('\n')).toEqual(words);
  });

  it('needs the host list', () => {
    expect(TrainingSchema.safeParse({ launcher: 'torchrun-hosts', nodes: 2 }).success).toBe(false);
  });
});

describe('slurm', () => {
  it('writes one torchrun task per node over the allocation, with the GPUs and options asked for', () => {
    const s = sbatchScript(
      job({ launcher: 'slurm', nodes: 4, gpusPerNode: 8, slurm: { partition: 'a100', extraArgs: ['--account=ml'] } }),
    );
    for (const line of [
      '#SBATCH --nodes=4',
      '#SBATCH --ntasks-per-node=1',
      '#SBATCH --gpus-per-node=8',
      '#SBATCH --partition=a100',
      '#SBATCH --account=ml',
      '#SBATCH --output=/shared/runs/r1/sft/slurm/%j.out',
    ])
      expect(s).toContain(line);
    expect(s).toMatch(/srun --kill-on-bad-exit=1 .* --nnodes="\$SLURM_JOB_NUM_NODES" --nproc_per_node=8/);
    expect(s).toContain('--rdzv_endpoint="$head":29400 --rdzv_id="$SLURM_JOB_ID"');
    execFileSync('bash', ['-n'], { input: s });
  });

  it('fails without retries when the worker has no sbatch', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const outDir = mkdtempSync(join(tmpdir(), 'swe-forge-sbatch-'));
      const err = await submitToSlurm({
        job: { ...job({ launcher: 'slurm' }), outDir },
        env: {},
        onEvent: () => {},
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        type: 'TrainerBadInput',
        nonRetryable: true,
        message: expect.stringMatching(/sbatch/),
      });
    } finally {
      process.env.PATH = path;
    }
  });

  it('maps the end of a job to what the activity retries', () => {
    const end = (line: string) => {
      const f = parseScontrolJob(line)!;
      return classifyExit('sft', { ...slurmResult(f), stderrTail: [] });
    };
    expect(parseScontrolJob('JobId=7 JobName=x JobState=COMPLETED Reason=None ExitCode=0:0')).toEqual({
      state: 'COMPLETED',
      exitCode: 0,
      signal: 0,
    });
    expect(end('JobState=CANCELLED ExitCode=0:15')).toMatchObject({ type: 'TrainerKilled', nonRetryable: false });
    expect(end('JobState=TIMEOUT ExitCode=0:0')).toMatchObject({ type: 'TrainerKilled', nonRetryable: false });
    expect(end('JobState=NODE_FAIL ExitCode=0:0')).toMatchObject({ type: 'TrainerKilled', nonRetryable: false });
    expect(end('JobState=FAILED ExitCode=1:0')).toMatchObject({ type: 'TrainerFailed', nonRetryable: false });
    expect(end('JobState=FAILED ExitCode=2:0')).toMatchObject({ type: 'TrainerBadInput', nonRetryable: true });
  });
});

describe('the memory plan and the launcher', () => {
  it('says when the plan counts nodes that launcher local will not use', () => {
    const local = parseRunConfig({ preset: 'swe-master', training: { launcher: 'local' } });
    expect(memoryPlan(local).note).toMatch(/training\.launcher is local/);
    // The paper presets span the nodes they state: their default launcher is slurm.
    const slurm = memoryPlan(parseRunConfig({ preset: 'swe-master' }));
    expect(slurm.note).toBeUndefined();
    expect(slurm.cluster).toMatchObject({ nodes: 4, launcher: 'slurm' });
    expect(slurm.stages.every((s) => s.fits)).toBe(true);
  });
});
