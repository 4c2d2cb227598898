// `swe-forge up` keeps its workers alive: a worker that exits without being asked to (kill -9, OOM kill, a crash)
// is started again after a backoff, and every restart is logged and kept in the stack state for `status`.
import type { ChildProcess } from 'node:child_process';
import type { WorkerRole } from '../core/constants.ts';
import { stopChild } from './temporal.ts';

export interface WorkerExit {
  code: number | null;
  signal: string | null;
  at: string;
}

export interface SupervisedWorkerState {
  role: WorkerRole;
  pid: number;
  restarts: number;
  lastExit?: WorkerExit;
}

export interface BackoffOptions {
  /** First delay before a restart; doubles on each quick failure. */
  initialMs: number;
  maxMs: number;
  /** A worker that ran this long before it died counts as healthy: the next restart waits initialMs again. */
  healthyAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 30_000, healthyAfterMs: 60_000 };

/** The delay before restart number `attempt` (0-based) of a worker that keeps failing quickly. */
export function backoffMs(attempt: number, o: BackoffOptions = DEFAULT_BACKOFF): number {
  return Math.min(o.maxMs, o.initialMs * 2 ** Math.max(0, attempt));
}

export interface SupervisedWorker {
  readonly state: SupervisedWorkerState;
  /** Stops the worker (SIGTERM, SIGKILL after graceMs) and never restarts it again; resolves once it has exited. */
  stop(graceMs: number): Promise<void>;
}

export interface SuperviseOptions {
  role: WorkerRole;
  spawn: () => ChildProcess;
  /** Called after every start and every exit, so the caller can persist the state. */
  onChange: (s: SupervisedWorkerState) => void;
  log: (line: string) => void;
  backoff?: BackoffOptions;
}

export function superviseWorker(o: SuperviseOptions): SupervisedWorker {
  const backoff = o.backoff ?? DEFAULT_BACKOFF;
  let child = o.spawn();
  let startedAt = Date.now();
  let quickFailures = 0;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  const state: SupervisedWorkerState = { role: o.role, pid: child.pid ?? -1, restarts: 0 };

  const watch = (c: ChildProcess) => {
    c.once('exit', (code, signal) => {
      if (stopping) return;
      state.lastExit = { code, signal, at: new Date().toISOString() };
      quickFailures = Date.now() - startedAt >= backoff.healthyAfterMs ? 0 : quickFailures + 1;
      const delay = backoffMs(quickFailures - 1, backoff);
      o.log(
        `worker ${o.role} (pid ${state.pid}) exited unexpectedly (${signal ?? `code ${code}`}); restarting in ${delay} ms`,
      );
      o.onChange(state);
      timer = setTimeout(() => {
        if (stopping) return;
        child = o.spawn();
        startedAt = Date.now();
        state.pid = child.pid ?? -1;
        state.restarts += 1;
        o.log(`worker ${o.role} restarted (pid ${state.pid}, restart ${state.restarts})`);
        o.onChange(state);
        watch(child);
      }, delay);
    });
  };
  watch(child);

  return {
    state,
    async stop(graceMs) {
      stopping = true;
      clearTimeout(timer);
      await stopChild(child, graceMs);
    },
  };
}
