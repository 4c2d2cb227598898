// Command lines for one training job spanning hosts, built by existing launchers: torchrun's c10d rendezvous on a
// fixed host list (started on each host through the user's command template, e.g. ssh), or a Slurm batch script
// whose `srun` starts one torchrun per allocated node. Pure: the launchers (hostsLauncher.ts, slurmLauncher.ts) run them.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { TrainingConfig } from '../../config/trainingSchema.ts';
import type { TrainerCommand } from './launch.ts';

/** Environment a trainer needs on a host where nothing of the worker's environment arrives (ssh, sbatch). */
const FORWARDED_ENV = ['SWE_FORGE_TORCH_THREADS', 'HF_HOME', 'HF_HUB_OFFLINE', 'OMP_NUM_THREADS'];

export interface MultiNodeJob {
  pythonBin: string;
  repoRoot: string;
  command: TrainerCommand;
  configPath: string;
  /** Out dir of the job: names the rendezvous and holds the Slurm script and logs. */
  outDir: string;
  attempt: number;
  training: TrainingConfig;
}

/**
 * The rendezvous id: one per job (its out dir encodes run, stage and iteration or round) and per attempt, so agents
 * of a failed attempt still running somewhere can never join the retry's rendezvous.
 */
export function rendezvousId(outDir: string, attempt: number): string {
  return `swe-forge-${createHash('sha256').update(outDir).digest('hex').slice(0, 16)}-a${attempt}`;
}

/** `'…'` quoting for a POSIX shell: the string arrives as one word. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

export function torchrunArgs(o: {
  nnodes: string;
  nprocPerNode: number;
  endpoint: string;
  rdzvId: string;
  command: TrainerCommand;
  configPath: string;
}): string[] {
  return [
    '-m',
    'torch.distributed.run',
    `--nnodes=${o.nnodes}`,
    `--nproc_per_node=${o.nprocPerNode}`,
    '--rdzv_backend=c10d',
    `--rdzv_endpoint=${o.endpoint}`,
    `--rdzv_id=${o.rdzvId}`,
    // A lost rank fails the job; Temporal's retry restarts it from the checkpoint (same as one host).
    '--max_restarts=0',
    '-m',
    'swe_forge_trainer',
    o.command,
    '--config',
    o.configPath,
  ];
}

function envAssignments(job: MultiNodeJob, base: NodeJS.ProcessEnv): string[] {
  const vars: Record<string, string> = { PYTHONPATH: join(job.repoRoot, 'trainer'), PYTHONUNBUFFERED: '1' };
  for (const k of FORWARDED_ENV) if (base[k] !== undefined) vars[k] = base[k]!;
  return Object.entries(vars).map(([k, v]) => `${k}=${shellQuote(v)}`);
}

/** The shell command each host runs: same repo path and shared out dir on every host (a shared filesystem). */
export function hostShellCommand(job: MultiNodeJob, base: NodeJS.ProcessEnv = process.env): string {
  const t = job.training;
  const first = t.hosts?.[0] ?? 'localhost';
  const args = torchrunArgs({
    nnodes: String(t.nodes),
    nprocPerNode: t.gpusPerNode,
    endpoint: `${first}:${t.rendezvousPort}`,
    rdzvId: rendezvousId(job.outDir, job.attempt),
    command: job.command,
    configPath: job.configPath,
  });
  const line = ['exec', 'env', ...envAssignments(job, base), ...[job.pythonBin, ...args].map(shellQuote)];
  return `cd ${shellQuote(job.repoRoot)} && ${line.join(' ')}`;
}

/** The argv that runs `shellCommand` on `host` from the template: {command} stays one argument, as ssh expects. */
export function hostArgv(template: string, host: string, shellCommand: string): string[] {
  const words = template.match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
  return words
    .map((w) => (/^(["']).*\1$/.test(w) ? w.slice(1, -1) : w))
    .map((w) => (w === '{command}' ? shellCommand : w.replaceAll('{host}', host)));
}

/** The sbatch script: one task per node, each a torchrun agent; the first node of the allocation hosts the rendezvous. */
export function sbatchScript(job: MultiNodeJob, base: NodeJS.ProcessEnv = process.env): string {
  const t = job.training;
  const logs = join(job.outDir, 'slurm');
  const opts = [
    `--job-name=${rendezvousId(job.outDir, job.attempt)}`,
    `--nodes=${t.nodes}`,
    '--ntasks-per-node=1',
    // CPU nodes: one core per trainer process; GPU nodes: the site's default CPUs per GPU (extraArgs to change).
    ...(t.slurm.gpus ? [`--gpus-per-node=${t.gpusPerNode}`] : [`--cpus-per-task=${t.gpusPerNode}`]),
    `--output=${join(logs, '%j.out')}`,
    `--error=${join(logs, '%j.err')}`,
    ...(t.slurm.partition ? [`--partition=${t.slurm.partition}`] : []),
    ...(t.slurm.timeLimit ? [`--time=${t.slurm.timeLimit}`] : []),
    ...t.slurm.extraArgs,
  ];
  const args = torchrunArgs({
    nnodes: '"$SLURM_JOB_NUM_NODES"',
    nprocPerNode: t.gpusPerNode,
    endpoint: `"$head":${t.rendezvousPort}`,
    rdzvId: '"$SLURM_JOB_ID"',
    command: job.command,
    configPath: job.configPath,
  });
  return [
    '#!/bin/bash',
    `# swe-forge ${job.command}: ${job.outDir} (attempt ${job.attempt})`,
    ...opts.map((o) => `#SBATCH ${o}`),
    'set -euo pipefail',
    `cd ${shellQuote(job.repoRoot)}`,
    ...envAssignments(job, base).map((a) => `export ${a}`),
    'head=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)',
    // --kill-on-bad-exit: one failed node ends the step at once instead of leaving the others in a collective.
    `srun --kill-on-bad-exit=1 ${shellQuote(job.pythonBin)} ${args.map((a) => (a.includes('"') ? a : shellQuote(a))).join(' ')}`,
    '',
  ].join('\n');
}
