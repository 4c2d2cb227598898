// Worker processes as `swe-forge up` starts them (infra/stack.ts spawnWorker), which a scenario can SIGKILL.
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { WorkerRole } from '../core/constants.ts';
import { spawnWorker } from '../infra/stack.ts';
import { stopChild } from '../infra/temporal.ts';
import { until } from './wait.ts';

export interface WorkerProcess {
  role: WorkerRole;
  child: ChildProcess;
  pid: number;
  logFile: string;
  /** kill -9: no shutdown, no cleanup; what it ran is left to heartbeat timeouts and the reaper. */
  kill9(): Promise<void>;
  /** SIGTERM and wait (graceful shutdown). */
  stop(): Promise<void>;
  log(): string;
}

const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;

export async function startWorkerProcess(
  role: WorkerRole,
  env: NodeJS.ProcessEnv,
  logFile: string,
): Promise<WorkerProcess> {
  const child = spawnWorker(role, env, logFile);
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const w: WorkerProcess = {
    role,
    child,
    pid: child.pid ?? -1,
    logFile,
    log,
    async kill9() {
      if (exited(child)) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGKILL');
      await gone;
    },
    stop: () => stopChild(child, 15_000),
  };
  // Polling means connected to Temporal and Postgres with the workflow bundle (orchestrator) built.
  await until(
    `the ${role} worker (pid ${w.pid}) to poll`,
    async () => {
      if (exited(child))
        throw new Error(`the ${role} worker exited (${child.exitCode ?? child.signalCode}):\n${log().slice(-2000)}`);
      return log().includes('polling on') ? true : undefined;
    },
    120_000,
  ).catch(async (err: unknown) => {
    await w.kill9();
    throw err;
  });
  return w;
}
