// Mid-episode resume. A rollout's container outlives a worker killed under it; the retry (on any rollout worker
// of the same Docker host) finds it again by its labels, reads the completed turns from Postgres (leaseStore)
// and continues from the last one in the same sandbox. If the container is gone, the rollout restarts from turn 0
// and says so (a warning and the lease's note). At most the turn in flight when the worker died is redone; its
// command may have half-run, which the redone turn sees as the state of the sandbox.
import type Docker from 'dockerode';
import { DOCKER_LABELS } from '../../core/constants.ts';
import { InfraError } from '../../core/errors.ts';
import type { RolloutInput, TrajectoryMessage } from '../../contracts/rollout.ts';
import { SandboxEnvironment, type StartEnvironmentInput } from './environment.ts';
import {
  beatLease,
  checkpointTurns,
  claimLease,
  finishLease,
  LeaseLostError,
  loadTurnLog,
  noteResume,
  ownsLease,
  startFresh,
  type LoopState,
} from './leaseStore.ts';
import type { RunAgentInput } from './loop.ts';
import type pg from 'pg';

export interface Acquired {
  env: SandboxEnvironment;
  resume?: NonNullable<RunAgentInput['resume']>;
  /** What happened to a previous attempt's sandbox ("resumed at turn 20 …", "sandbox … is gone: restarted …"). */
  note?: string;
}

/**
 * A worker shutting down gracefully cancels its activities with WORKER_SHUTDOWN; the server retries them at once.
 * Their sandboxes stay for the retry to resume in (an abandoned one is reaped once its lease stops beating).
 */
export const leftForRetry = (signal?: AbortSignal) =>
  signal?.aborted === true && (signal.reason as { message?: string } | undefined)?.message === 'WORKER_SHUTDOWN';

const keyOf = (i: RolloutInput) => ({ runId: i.runId, stage: i.stage, taskId: i.taskId, sample: i.sample });

/** Containers carrying exactly this rollout's labels (any attempt's). */
async function containersOf(docker: Docker, labels: StartEnvironmentInput['labels']) {
  const label = [`${DOCKER_LABELS.managed}=true`];
  for (const [k, v] of [
    [DOCKER_LABELS.run, labels.run],
    [DOCKER_LABELS.activity, labels.activity],
    [DOCKER_LABELS.task, labels.task],
  ] as const)
    if (v) label.push(`${k}=${v.slice(0, 250)}`);
  try {
    return await docker.listContainers({ all: true, filters: { label } });
  } catch (err) {
    throw new InfraError(`cannot list the containers of ${labels.activity}: ${(err as Error).message}`, { cause: err });
  }
}

/** SIGKILL everything but init in the container: the command the dead worker started must not run on. */
async function killStrays(docker: Docker, id: string): Promise<void> {
  const exec = await docker
    .getContainer(id)
    .exec({ Cmd: ['sh', '-c', 'kill -KILL -1 2>/dev/null; true'], User: 'root' });
  await exec.start({ Detach: true });
  for (let i = 0; i < 50 && (await exec.inspect()).Running; i++) await new Promise((r) => setTimeout(r, 100));
}

/**
 * The sandbox for this attempt: the previous attempt's container when it is still running and has completed
 * turns on record, else a new one. Containers of this rollout that are not used are removed.
 */
export async function acquireSandbox(
  deps: { pool: pg.Pool; docker: Docker },
  input: RolloutInput,
  attempt: number,
  start: StartEnvironmentInput,
  warn?: (message: string, fields?: Record<string, unknown>) => void,
): Promise<Acquired> {
  const key = keyOf(input);
  const prev = await claimLease(deps.pool, key, attempt);
  const found = await containersOf(deps.docker, start.labels);
  let adopt: string | undefined;
  let note: string | undefined;
  if (prev && !prev.finishedAt && prev.containerId) {
    const c = found.find((x) => x.Id === prev.containerId);
    if (c?.State === 'running') adopt = c.Id;
    else
      note = `sandbox ${prev.containerId.slice(0, 12)} of attempt ${prev.attempt} is gone: restarted from turn 0 (${prev.turn} completed turn(s) redone)`;
  }
  const messages = adopt ? await loadTurnLog(deps.pool, key) : [];
  // A container without turns on record (the worker died while starting it) is no better than a new one.
  if (adopt && messages.length === 0) {
    note = `sandbox ${adopt.slice(0, 12)} of attempt ${prev!.attempt} had no completed turn: restarted from turn 0`;
    adopt = undefined;
  }
  for (const c of found) {
    if (c.Id === adopt) continue;
    await deps.docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  }
  if (adopt && prev) {
    await killStrays(deps.docker, adopt);
    note = `resumed at turn ${prev.turn} in sandbox ${adopt.slice(0, 12)} (attempt ${prev.attempt} did not finish)`;
    await noteResume(deps.pool, key, attempt, prev.turn, note);
    warn?.(note, { containerId: adopt, turn: prev.turn });
    const env = SandboxEnvironment.attach(deps.docker, adopt, start);
    return {
      env,
      note,
      resume: { messages, turn: prev.turn, state: prev.state, elapsedMs: Date.now() - prev.startedAt.getTime() },
    };
  }
  if (note) warn?.(note, { previousContainer: prev?.containerId });
  const env = await SandboxEnvironment.start(deps.docker, start);
  try {
    await startFresh(deps.pool, key, attempt, env.id, note);
  } catch (err) {
    await env.remove().catch(() => undefined);
    throw err;
  }
  return { env, note };
}

/**
 * Checkpoints completed turns as the loop reports them (in order, one write at a time) and keeps the lease live.
 * A write refused because a later attempt took over makes the next `completed` throw LeaseLostError, which ends
 * this attempt without touching the sandbox the new owner uses.
 */
export function createLeaseKeeper(
  pool: pg.Pool,
  input: RolloutInput,
  attempt: number,
  warn?: (message: string, fields?: Record<string, unknown>) => void,
) {
  const key = keyOf(input);
  let saved = 0;
  let chain: Promise<void> = Promise.resolve();
  let lost: LeaseLostError | undefined;
  const fail = (err: unknown) => {
    if (err instanceof LeaseLostError) lost = err;
    // Any other failure only costs resumability (the next checkpoint re-sends these messages).
    else warn?.('turn checkpoint failed', { error: (err as Error).message });
  };
  return {
    get lost() {
      return lost;
    },
    /** Turns up to `turn` are complete; `messages` is the whole trajectory so far. */
    completed(turn: number, messages: TrajectoryMessage[], state: LoopState): void {
      if (lost) throw lost;
      const upTo = messages.length; // append-only: the first `upTo` messages are the completed turns
      chain = chain
        .then(async () => {
          const fromSeq = saved;
          await checkpointTurns(pool, key, attempt, { fromSeq, messages: messages.slice(fromSeq, upTo), turn, state });
          saved = upTo;
        })
        .catch(fail);
    },
    beat(): void {
      chain = chain
        .then(async () => {
          if (!(await beatLease(pool, key, attempt))) throw new LeaseLostError(`attempt ${attempt} lost the rollout`);
        })
        .catch(fail);
    },
    /** Waits for pending writes; throws when another attempt owns the rollout now. */
    async flush(): Promise<void> {
      await chain;
      if (lost) throw lost;
    },
    /** Whether this attempt may remove the sandbox (no later attempt adopted it); unknown counts as no. */
    owns: () => (lost ? Promise.resolve(false) : ownsLease(pool, key, attempt).catch(() => false)),
    finish: () => finishLease(pool, key, attempt),
  };
}
export type LeaseKeeper = ReturnType<typeof createLeaseKeeper>;
