// One trainer job inside an activity: write its config, start it (python or torchrun), turn its events into
// heartbeats `{ step, checkpoint }`, stop it on cancellation, and map its exit to success or a typed failure.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Context, log } from '@temporalio/activity';
import type { Settings } from '../../infra/settings.ts';
import type { TrainingEnv } from './env.ts';
import { classifyExit } from './failures.ts';
import type { TrainingConfig } from '../../config/trainingSchema.ts';
import { startOnHosts } from './hostsLauncher.ts';
import { isDistributed, trackingEnv, trainerArgv, trainerEnv, withParentDeathSignal } from './launch.ts';
import type { TrainerCommand, TrainerTracking } from './launch.ts';
import { startProcess, type ChildRegistry, type ProcessEvent, type ProcessHandle } from './processes.ts';
import { cancelEarlierJob, submitToSlurm } from './slurmLauncher.ts';
import type { TrainerConfig } from './trainerConfig.ts';

/** What a training activity heartbeats, and what its retry reads back from `heartbeatDetails`. */
export interface TrainingHeartbeat {
  step: number;
  /** The newest checkpoint the trainer reported (a directory inside the job's out_dir). */
  checkpoint: string | null;
  /** The trainer's pid, so an operator can find the process from the Temporal UI (0 under Slurm). */
  pid: number;
  /** launcher slurm: the job id, so a retry cancels a job its predecessor left running. */
  slurmJobId?: string;
}

export interface RunnerDeps {
  settings: Settings;
  env: TrainingEnv;
  children: ChildRegistry;
  /** CUDA devices of this worker (detected once per process). */
  gpus: () => Promise<number>;
}

export interface TrainerJob {
  command: TrainerCommand;
  config: TrainerConfig;
  /** The config file goes here (the out dir, next to the checkpoints it produced). */
  configDir: string;
  /** Names the job in messages: "sft of run r1". */
  what: string;
  /** Called for each checkpoint event, in order; a failure fails the activity (retryable) after the process ends. */
  onCheckpoint?: (step: number, path: string, metrics: Record<string, unknown>) => Promise<void>;
  /** Called for each progress event (step, loss, tokens/s...), in order; must not throw. */
  onProgress?: (e: ProcessEvent & { step: number }) => void;
  /** The run's cluster: `launcher` says whether the job runs here, on `hosts`, or as a Slurm job. */
  training?: TrainingConfig;
  /** Which pipeline job this is (a run's SFT, RL iteration, verifier): tagged in the trainer's tracking. */
  tracking?: TrainerTracking;
}

function writeConfigAtomically(dir: string, command: string, config: TrainerConfig): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${command}.config.json`);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(config, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  return path;
}

function priorHeartbeat(): TrainingHeartbeat | undefined {
  const d: unknown = Context.current().info.heartbeatDetails;
  if (!d || typeof d !== 'object' || typeof (d as TrainingHeartbeat).step !== 'number') return undefined;
  return d as TrainingHeartbeat;
}

/** Runs the job to its `done` event and returns it; throws a typed ApplicationFailure or the cancellation. */
export async function runTrainer(deps: RunnerDeps, job: TrainerJob): Promise<ProcessEvent> {
  const ctx = Context.current();
  const prior = priorHeartbeat();
  if (prior?.checkpoint) {
    // The trainer resumes from the newest complete checkpoint in out_dir, which is this one or a later one
    // saved after the last heartbeat. Missing means the out dir is not shared with the previous worker.
    const seen = existsSync(join(prior.checkpoint, 'trainer_state.json'));
    const msg = `${job.what}: attempt ${ctx.info.attempt} resumes; last heartbeat: step ${prior.step} at ${prior.checkpoint}`;
    if (seen) log.info(msg);
    else log.warn(`${msg}, which this worker cannot see: training restarts from the newest checkpoint it can see`);
  }
  if (prior?.slurmJobId) await cancelEarlierJob(prior.slurmJobId, deps.env.killGraceMs + 60_000);
  const configPath = writeConfigAtomically(job.configDir, job.command, job.config);
  const gpus = await deps.gpus();

  const beat: TrainingHeartbeat = { step: prior?.step ?? 0, checkpoint: prior?.checkpoint ?? null, pid: 0 };
  const heartbeat = () => ctx.heartbeat({ ...beat });
  let lastMetrics: Record<string, unknown> = {};
  let recording: Promise<void> = Promise.resolve();
  let recordError: unknown;
  const onEvent = (e: ProcessEvent) => {
    if (e.event === 'progress' && typeof e.step === 'number') {
      beat.step = e.step;
      lastMetrics = e;
      job.onProgress?.({ ...e, step: e.step });
      heartbeat();
    } else if (e.event === 'checkpoint' && typeof e.step === 'number' && typeof e.path === 'string') {
      const { step, path } = e;
      Object.assign(beat, { step, checkpoint: path });
      heartbeat();
      if (job.onCheckpoint) {
        const metrics = lastMetrics;
        recording = recording
          .then(() => job.onCheckpoint!(step, path, metrics))
          .catch((err) => void (recordError ??= err));
      }
    } else if (e.event === 'error') {
      log.error(`${job.what}: trainer error event`, { kind: e.kind, message: e.message });
    }
  };
  const handle = await startJob(deps, job, configPath, gpus, onEvent, (id) => {
    beat.slurmJobId = id;
    heartbeat();
  });
  beat.pid = handle.pid;
  heartbeat();
  // Heartbeat while the model loads too: no event arrives for minutes there, and a silent activity times out.
  const timer = setInterval(heartbeat, deps.env.heartbeatMs);
  const onAbort = () => void handle.stop(deps.env.killGraceMs);
  ctx.cancellationSignal.addEventListener('abort', onAbort);
  if (ctx.cancellationSignal.aborted) onAbort();
  try {
    const result = await handle.exited;
    await recording;
    if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
    const failure = classifyExit(job.what, result);
    if (failure) throw failure;
    if (recordError) throw recordError;
    return result.done!;
  } finally {
    clearInterval(timer);
    ctx.cancellationSignal.removeEventListener('abort', onAbort);
  }
}

/** Starts the job where `training.launcher` says: this worker (python or torchrun), each host, or a Slurm job. */
async function startJob(
  deps: RunnerDeps,
  job: TrainerJob,
  configPath: string,
  gpus: number,
  onEvent: (e: ProcessEvent) => void,
  onSubmitted: (slurmJobId: string) => void,
): Promise<ProcessHandle> {
  const launcher = job.training && isDistributed(job.command) ? job.training.launcher : 'local';
  const env = { ...trainerEnv(deps.settings.repoRoot), ...trackingEnv(deps.settings.artifactsDir, job.tracking) };
  const { pythonBin, repoRoot } = deps.settings;
  const multi = () => ({
    pythonBin,
    repoRoot,
    command: job.command,
    configPath,
    outDir: job.configDir,
    attempt: Context.current().info.attempt,
    training: job.training!,
  });
  if (launcher === 'torchrun-hosts') {
    const h = startOnHosts(
      {
        job: multi(),
        env,
        killGraceMs: deps.env.killGraceMs,
        onEvent,
        onStderr: (line, host) => log.debug(line, { trainer: job.command, host }),
      },
      deps.children,
    );
    log.info(`${job.what}: started torchrun on ${h.hosts.join(', ')}`, { pid: h.pid });
    return h;
  }
  if (launcher === 'slurm') {
    const h = await submitToSlurm({ job: multi(), env, onEvent, onSubmitted });
    log.info(`${job.what}: submitted slurm job ${h.jobId}`, { nodes: job.training!.nodes });
    return h;
  }
  const argv = withParentDeathSignal(pythonBin, trainerArgv({ pythonBin, command: job.command, configPath, gpus }));
  const h = startProcess(
    {
      argv,
      env,
      cwd: repoRoot,
      onStderr: (line) => log.debug(line, { trainer: job.command }),
      onEvent,
    },
    deps.children,
  );
  log.info(`${job.what}: started`, { pid: h.pid, gpus, argv: argv.slice(4).join(' ') });
  return h;
}
