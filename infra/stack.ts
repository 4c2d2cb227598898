// `swe-forge up`: Temporal (dev server + UI, or TEMPORAL_ADDRESS), Postgres (embedded, or DATABASE_URL), and one
// worker process per role, as one process tree. State goes to <dataDir>/stack.json so `down` and `up --detach` work.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { WORKER_ROLES, type WorkerRole } from '../core/constants.ts';
import { createPool, startEmbeddedPostgres, waitForDatabase } from './postgres.ts';
import { migrate } from './migrate.ts';
import type { Settings } from './settings.ts';
import { superviseWorker, type SupervisedWorker, type SupervisedWorkerState } from './supervisor.ts';
import { connectClient, ensureSearchAttributes, startDevServer } from './temporal.ts';

export interface StackState {
  pid: number;
  temporalAddress: string;
  namespace: string;
  uiUrl?: string;
  databaseUrl: string;
  /** Current pid, restarts and last unexpected exit of each supervised worker. */
  workers: SupervisedWorkerState[];
  /** Processes `up` started besides the workers; `down` waits for every one of them. */
  temporalPid?: number;
  postgresPid?: number;
  startedAt: string;
}

export interface RunningStack {
  state: StackState;
  stop(): Promise<void>;
}

export const stackFile = (s: Settings) => join(s.dataDir, 'stack.json');

/** The state file as written, whether or not the `up` process that wrote it is still alive. */
export function readStackFile(s: Settings): StackState | undefined {
  const f = stackFile(s);
  if (!existsSync(f)) return undefined;
  return JSON.parse(readFileSync(f, 'utf8')) as StackState;
}

export function readStackState(s: Settings): StackState | undefined {
  const state = readStackFile(s);
  return state && isAlive(state.pid) ? state : undefined;
}

/** Every pid a stack state names (the `up` process, its workers, the dev server, embedded Postgres), with what it is. */
export function stackPids(state: StackState): { pid: number; what: string; cmd: RegExp }[] {
  const all = [
    { pid: state.pid, what: 'up', cmd: /swe-forge/ },
    ...state.workers.map((w) => ({ pid: w.pid, what: `worker ${w.role}`, cmd: /swe-forge/ })),
    { pid: state.temporalPid, what: 'temporal', cmd: /temporal/ },
    { pid: state.postgresPid, what: 'postgres', cmd: /postgres/ },
  ];
  return all.filter((p): p is { pid: number; what: string; cmd: RegExp } => typeof p.pid === 'number' && p.pid > 0);
}

/**
 * Alive and still the process the state file means: after a crash and a reboot a stale file's pid may belong to
 * something else, which `down` must never signal.
 */
export function isStackProcess(p: { pid: number; cmd: RegExp }): boolean {
  if (!isAlive(p.pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return p.cmd.test(cmdline);
  } catch {
    return existsSync(`/proc/${p.pid}`) || !existsSync('/proc/self');
  }
}

function writeStackFile(s: Settings, state: StackState): void {
  const f = stackFile(s);
  writeFileSync(`${f}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${f}.tmp`, f);
}

function postmasterPid(dataDir: string): number | undefined {
  const f = join(dataDir, 'postmaster.pid');
  if (!existsSync(f)) return undefined;
  const pid = Number(readFileSync(f, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped: an orphan in a container whose pid 1 does not reap) still answers kill 0.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return existsSync(`/proc/${pid}`) || !existsSync('/proc/self');
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
    let temporalPid: number | undefined;
    let postgresPid: number | undefined;
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
      temporalPid = dev.process.pid;
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
      if (pg.started) postgresPid = postmasterPid(pg.dataDir);
      databaseUrl = pg.url;
    }
    await waitForDatabase(databaseUrl);
    const pool = createPool(databaseUrl, 2);
    await migrate(pool).finally(() => pool.end());

    const env = { ...process.env, TEMPORAL_ADDRESS: temporalAddress, DATABASE_URL: databaseUrl };
    const state: StackState = {
      pid: process.pid,
      temporalAddress,
      namespace: s.temporal.namespace,
      uiUrl,
      databaseUrl,
      workers: [],
      temporalPid,
      postgresPid,
      startedAt: new Date().toISOString(),
    };
    const upLog = join(s.dataDir, 'logs', 'up.log');
    const workers: SupervisedWorker[] = roles.map((role) =>
      superviseWorker({
        role,
        spawn: () => spawnWorker(role, env, join(s.dataDir, 'logs', `worker-${role}.log`)),
        onChange: () => writeStackFile(s, state),
        log: (line) => {
          const stamped = `${new Date().toISOString()} [up] ${line}\n`;
          appendFileSync(upLog, stamped);
          if (process.stderr.isTTY) process.stderr.write(stamped);
        },
      }),
    );
    state.workers = workers.map((w) => w.state);
    cleanups.push(async () => {
      await Promise.all(workers.map((w) => w.stop(15_000)));
    });
    writeStackFile(s, state);
    return { state, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
