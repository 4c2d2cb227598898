// How a trainer or policy-server process is started: which argv (python, torchrun, vLLM) and with what env.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export type TrainerCommand =
  | 'make-tiny-model'
  | 'sft'
  | 'grpo-step'
  | 'train-verifier'
  | 'export-onnx'
  | 'serve'
  | 'serve-llama'
  | 'prepare-base-model';

/** Commands whose trainer code runs under DDP; the others are one process whatever the GPU count. */
const DISTRIBUTED: ReadonlySet<TrainerCommand> = new Set(['sft', 'grpo-step', 'train-verifier']);

/**
 * Runs before exec in the child: PR_SET_PDEATHSIG makes the kernel SIGTERM the child when this worker dies, even
 * by SIGKILL, when no 'exit' handler of ours runs. It survives exec, and torchrun forwards SIGTERM to its ranks.
 * Where prctl is missing (not Linux) it is skipped and the 'exit' handler is all there is.
 */
const PDEATHSIG_EXEC = [
  'import ctypes, os, signal, sys',
  'try:',
  '    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)',
  '    if os.getppid() != int(sys.argv[1]): sys.exit(143)  # the parent died before prctl took effect',
  'except (AttributeError, OSError):',
  '    pass',
  'os.execvp(sys.argv[2], sys.argv[2:])',
].join('\n');

export function withParentDeathSignal(pythonBin: string, argv: string[]): string[] {
  return [pythonBin, '-c', PDEATHSIG_EXEC, String(process.pid), ...argv];
}

export const isDistributed = (command: TrainerCommand): boolean => DISTRIBUTED.has(command);

export function trainerArgv(o: {
  pythonBin: string;
  command: TrainerCommand;
  configPath: string;
  gpus: number;
}): string[] {
  const tail = ['-m', 'swe_forge_trainer', o.command, '--config', o.configPath];
  if (o.gpus > 1 && DISTRIBUTED.has(o.command)) {
    // torch.distributed.run is torchrun; --standalone picks a free rendezvous port so two jobs never collide.
    return [o.pythonBin, '-m', 'torch.distributed.run', '--standalone', `--nproc_per_node=${o.gpus}`, ...tail];
  }
  return [o.pythonBin, ...tail];
}

export function trainerEnv(repoRoot: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const trainerPath = join(repoRoot, 'trainer');
  return {
    ...base,
    PYTHONPATH: base.PYTHONPATH ? `${trainerPath}:${base.PYTHONPATH}` : trainerPath,
    PYTHONUNBUFFERED: '1',
  };
}

/** Which pipeline job a trainer command is, for its experiment tracking (trainer/swe_forge_trainer/tracking.py). */
export interface TrainerTracking {
  runId: string;
  /** The checkpoints table's stage: sft, sweWorld, rl. */
  stage: string;
  /** The job within the run: sft, sft/round-2, rl/iter-3, swe-world-sft, verifier. */
  job: string;
  iteration?: number;
}

/**
 * What the trainer's tracking reads: the artifacts root, so MLflow's default store is one per deployment
 * (`sqlite:///<artifacts>/mlflow.db`, not one per out dir), and which run, stage, job and iteration this is.
 * MLFLOW_TRACKING_URI and SWE_FORGE_TRACKING_DIR, when the worker has them, still win (they pass through).
 */
export function trackingEnv(artifactsDir: string, t?: TrainerTracking): Record<string, string> {
  if (!t) return { SWE_FORGE_ARTIFACTS_DIR: artifactsDir };
  return {
    SWE_FORGE_ARTIFACTS_DIR: artifactsDir,
    SWE_FORGE_RUN_ID: t.runId,
    SWE_FORGE_STAGE: t.stage,
    SWE_FORGE_JOB: t.job,
    ...(t.iteration !== undefined ? { SWE_FORGE_ITERATION: String(t.iteration) } : {}),
  };
}

/**
 * The vLLM (or SGLang, or anything) command line from its template. Split first, fill in after, so a checkpoint
 * path with spaces stays one argument. Quotes in the template group words: `--chat-template "a b"`.
 */
export function policyServerArgv(
  template: string,
  values: { checkpoint: string; name: string; port: number },
): string[] {
  const words = template.match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
  return words
    .map((w) => (/^(["']).*\1$/.test(w) ? w.slice(1, -1) : w))
    .map((w) =>
      w
        .replaceAll('{checkpoint}', values.checkpoint)
        .replaceAll('{name}', values.name)
        .replaceAll('{port}', String(values.port)),
    );
}

/** `nvidia-smi -L` prints one `GPU n: <name> (UUID: …)` line per device. */
export function countGpus(nvidiaSmiList: string): number {
  return nvidiaSmiList.split('\n').filter((l) => /^GPU \d+:/.test(l.trim())).length;
}

export function detectGpus(override: number | undefined): Promise<number> {
  if (override !== undefined) return Promise.resolve(override);
  return new Promise((resolveCount) => {
    execFile('nvidia-smi', ['-L'], { timeout: 15_000 }, (err, stdout) => resolveCount(err ? 0 : countGpus(stdout)));
  });
}
