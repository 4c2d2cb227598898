// launcher slurm: the job goes to the cluster's scheduler as an sbatch script (multiNode.ts), and the activity
// follows it from outside: it tails the job's output file for the trainer's events (the out dir is on the shared
// filesystem, as the checkpoints must be), asks squeue until the job leaves the queue, reads its final state and
// exit code from scontrol (or sacct where accounting runs), and scancels it when the activity is cancelled.
import { execFile } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from './failures.ts';
import { eventLineReader, type ProcessEvent, type ProcessHandle, type ProcessResult } from './processes.ts';
import { sbatchScript, type MultiNodeJob } from './multiNode.ts';

const run = promisify(execFile);
const slurmCmd = async (bin: string, args: string[]) =>
  (await run(bin, args, { timeout: 30_000, env: process.env })).stdout.trim();

/** States after which the job never runs again (squeue forgets the job a little later). */
const FINAL = /^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|PREEMPTED|BOOT_FAIL|DEADLINE|OUT_OF_MEMORY)/;

export interface SlurmFinal {
  state: string;
  exitCode: number;
  signal: number;
}

/** `scontrol show job -o` prints one line of Key=Value pairs; `ExitCode=a:b` is the batch script's code:signal. */
export function parseScontrolJob(line: string): SlurmFinal | undefined {
  const state = /\bJobState=(\S+)/.exec(line)?.[1];
  const code = /\bExitCode=(\d+):(\d+)/.exec(line);
  return state && code ? { state, exitCode: Number(code[1]), signal: Number(code[2]) } : undefined;
}

/**
 * What the job's end means as a process result (failures.ts classifies it): a cancelled job is a stopped trainer
 * (SIGTERM: it saved a checkpoint); a lost node, a time limit or a preemption is a kill the retry resumes from.
 */
export function slurmResult(f: SlurmFinal): Pick<ProcessResult, 'code' | 'signal'> {
  if (f.state.startsWith('COMPLETED')) return { code: 0, signal: null };
  if (f.state.startsWith('CANCELLED')) return { code: null, signal: 'SIGTERM' };
  if (f.state.startsWith('FAILED'))
    return f.exitCode || !f.signal ? { code: f.exitCode, signal: null } : { code: null, signal: 'SIGKILL' };
  return { code: null, signal: 'SIGKILL' };
}

export async function jobState(jobId: string): Promise<string | undefined> {
  const out = await slurmCmd('squeue', ['-h', '-j', jobId, '-o', '%T']).catch(() => '');
  return out || undefined;
}

async function finalState(jobId: string): Promise<SlurmFinal> {
  const line = await slurmCmd('scontrol', ['show', 'job', '-o', jobId]).catch(() => '');
  const f = parseScontrolJob(line);
  if (f) return f;
  // Forgotten by slurmctld (MinJobAge): the accounting database, where there is one, still has it.
  const acct = await slurmCmd('sacct', ['-n', '-P', '-X', '-j', jobId, '-o', 'State,ExitCode']).catch(() => '');
  const [state, code] = acct.split('\n')[0]?.split('|') ?? [];
  const [a, b] = (code ?? '').split(':').map(Number);
  return { state: state || 'UNKNOWN', exitCode: a ?? 1, signal: b ?? 0 };
}

/** Appends the new complete lines of a growing file to `onLine`; returns the next offset. */
function tailFile(path: string, offset: number, carry: { rest: string }, onLine: (l: string) => void): number {
  if (!existsSync(path)) return offset;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1 << 16);
    for (let n; (n = readSync(fd, buf, 0, buf.length, offset)) > 0; offset += n) {
      const lines = (carry.rest + buf.subarray(0, n).toString('utf8')).split('\n');
      carry.rest = lines.pop()!;
      lines.forEach(onLine);
    }
  } finally {
    closeSync(fd);
  }
  return offset;
}

/** sbatch missing is a worker set-up error (no retry helps); a refused or failed submission may pass (retryable). */
async function submit(script: string): Promise<string> {
  try {
    return await slurmCmd('sbatch', ['--parsable', script]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    const missing = e.code === 'ENOENT';
    throw ApplicationFailure.create({
      type: missing ? FAILURE_TYPES.badInput : FAILURE_TYPES.failed,
      nonRetryable: missing,
      message: missing
        ? "training.launcher slurm: sbatch is not on the gpu worker's PATH"
        : `sbatch ${script} failed: ${(e.stderr || e.message).trim()}`,
    });
  }
}

export interface SlurmLaunch {
  job: MultiNodeJob;
  env: NodeJS.ProcessEnv;
  onEvent: (e: ProcessEvent) => void;
  onSubmitted?: (jobId: string) => void;
}

export async function submitToSlurm(o: SlurmLaunch): Promise<ProcessHandle & { jobId: string }> {
  const dir = join(o.job.outDir, 'slurm');
  mkdirSync(dir, { recursive: true });
  const script = join(dir, `${o.job.command}-attempt-${o.job.attempt}.sbatch`);
  writeFileSync(script, sbatchScript(o.job, o.env), { mode: 0o755 });
  const jobId = (await submit(script)).split(';')[0]!;
  o.onSubmitted?.(jobId);

  const result: ProcessResult = { code: null, signal: null, stderrTail: [] };
  const keep = (l: string) => result.stderrTail.push(l);
  const read = eventLineReader(result, keep, o.onEvent);
  const outFile = join(dir, `${jobId}.out`);
  const carry = { rest: '' };
  let offset = 0;
  let running = true;
  const pollMs = o.job.training.slurm.pollSeconds * 1000;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const exited = (async () => {
    for (;;) {
      offset = tailFile(outFile, offset, carry, read);
      const state = await jobState(jobId);
      if (!state || FINAL.test(state)) break;
      await sleep(pollMs);
    }
    const final = await finalState(jobId);
    offset = tailFile(outFile, offset, carry, read);
    if (carry.rest) read(carry.rest);
    const errFile = join(dir, `${jobId}.err`);
    if (existsSync(errFile)) result.stderrTail.push(...readFileSync(errFile, 'utf8').split('\n').slice(-50));
    result.stderrTail.push(`slurm job ${jobId}: ${final.state}, exit code ${final.exitCode}:${final.signal}`);
    result.stderrTail = result.stderrTail.slice(-60);
    running = false;
    return Object.assign(result, slurmResult(final));
  })();

  return {
    jobId,
    pid: 0,
    exited,
    isRunning: () => running,
    async stop(graceMs) {
      if (!running) return exited;
      // scancel sends SIGTERM to every step (the trainer saves a checkpoint), SIGKILL after the site's KillWait.
      await slurmCmd('scancel', [jobId]).catch(() => '');
      const timer = setTimeout(
        () => void slurmCmd('scancel', ['--signal=KILL', '--full', jobId]).catch(() => ''),
        graceMs,
      );
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** A job an earlier attempt submitted (from its heartbeat) must not run next to the retry: cancel it and wait. */
export async function cancelEarlierJob(jobId: string, timeoutMs: number): Promise<void> {
  if (!(await jobState(jobId).then((s) => s && !FINAL.test(s)))) return;
  await slurmCmd('scancel', [jobId]).catch(() => '');
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && (await jobState(jobId).then((s) => s && !FINAL.test(s))))
    await new Promise((r) => setTimeout(r, 1000));
}
