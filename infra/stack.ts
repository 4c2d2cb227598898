// `swe-forge up`: Temporal (dev server + UI, or TEMPORAL_ADDRESS), Postgres (embedded, or DATABASE_URL), and one
// worker process per role, as one process tree. State goes to <dataDir>/stack.json so `down` and `up --detach` work.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKER_ROLES, type WorkerRole } from '../core/constants.ts';
import { createPool, startEmbeddedPostgres, waitForDatabase } from './postgres.ts';
import { migrate } from './migrate.ts';
import type { Settings } from './settings.ts';
import { connectClient, ensureSearchAttributes, startDevServer, stopChild } from './temporal.ts';

export interface StackState {
  pid: number;
  temporalAddress: string;
  namespace: string;
  uiUrl?: string;
  databaseUrl: string;
  workers: { role: WorkerRole; pid: number }[];
  startedAt: string;
}

export interface RunningStack {
  state: StackState;
  stop(): Promise<void>;
}

export const stackFile = (s: Settings) => join(s.dataDir, 'stack.json');

export function readStackState(s: Settings): StackState | undefined {
  const f = stackFile(s);
  if (!existsSync(f)) return undefined;
  const state = JSON.parse(readFileSync(f, 'utf8')) as StackState;
  return isAlive(state.pid) ? state : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const BIN = join(import.meta.dirname, '..', 'bin', 'swe-forge.mjs');

export function spawnWorker(role: WorkerRole | 'all', env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const out = openSync(logFile, 'a');
  return spawn(process.execPath, [BIN, 'worker', '--role', role], { env, stdio: ['ignore', out, out] });
}

export async function startStack(s: Settings, roles: WorkerRole[] = [...WORKER_ROLES]): Promise<RunningStack> {
  mkdirSync(join(s.dataDir, 'logs'), { recursive: true });
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const c of cleanups.reverse()) await c().catch((e) => console.error(e));
    rmSync(stackFile(s), { force: true });
  };
  try {
    let temporalAddress = s.temporal.address;
    let uiUrl: string | undefined;
    if (s.temporal.embedded) {
      const port = Number(temporalAddress.split(':').pop());
      const dev = await startDevServer({
        dataDir: join(s.dataDir, 'temporal'),
        port,
        uiPort: s.temporal.uiPort,
        namespace: s.temporal.namespace,
        logFile: join(s.dataDir, 'logs', 'temporal.log'),
      });
      cleanups.push(dev.stop);
      temporalAddress = dev.address;
      uiUrl = dev.uiUrl;
    } else {
      const conn = await connectClient(s.temporal);
      await ensureSearchAttributes(conn, s.temporal.namespace).finally(() => conn.close());
    }
    let databaseUrl = s.databaseUrl;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({ dataDir: s.dataDir, port: s.embeddedPgPort });
      cleanups.push(pg.stop);
      databaseUrl = pg.url;
    }
    await waitForDatabase(databaseUrl);
    const pool = createPool(databaseUrl, 2);
    await migrate(pool).finally(() => pool.end());

    const env = { ...process.env, TEMPORAL_ADDRESS: temporalAddress, DATABASE_URL: databaseUrl };
    const workers = roles.map((role) => ({
      role,
      child: spawnWorker(role, env, join(s.dataDir, 'logs', `worker-${role}.log`)),
    }));
    cleanups.push(async () => {
      await Promise.all(workers.map((w) => stopChild(w.child, 15_000)));
    });
    const state: StackState = {
      pid: process.pid,
      temporalAddress,
      namespace: s.temporal.namespace,
      uiUrl,
      databaseUrl,
      workers: workers.map((w) => ({ role: w.role, pid: w.child.pid ?? -1 })),
      startedAt: new Date().toISOString(),
    };
    writeFileSync(stackFile(s), JSON.stringify(state, null, 2));
    return { state, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
