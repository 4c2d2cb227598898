// The run database for read-side commands (report, trajectory): DATABASE_URL, else the running stack's, else
// the embedded Postgres in the data dir started just for this command (so a report works after `down`).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { ServiceUnavailableError } from '../core/errors.ts';
import { migrate } from '../infra/migrate.ts';
import { createPool, pgDataDir, startEmbeddedPostgres, waitForDatabase } from '../infra/postgres.ts';
import type { Settings } from '../infra/settings.ts';
import { readStackState } from '../infra/stack.ts';

export async function withDatabase<T>(settings: Settings, fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  let url = settings.databaseUrl ?? readStackState(settings)?.databaseUrl;
  let stop: (() => Promise<void>) | undefined;
  if (!url) {
    if (!existsSync(join(pgDataDir(settings.dataDir), 'PG_VERSION'))) {
      throw new ServiceUnavailableError(
        `no database: DATABASE_URL is not set, no stack is running and ${settings.dataDir} holds no embedded Postgres (run \`swe-forge up\`)`,
      );
    }
    const pgDb = await startEmbeddedPostgres({ dataDir: settings.dataDir, port: settings.embeddedPgPort, quiet: true });
    url = pgDb.url;
    stop = pgDb.stop;
  }
  try {
    await waitForDatabase(url, 10_000);
    const pool = createPool(url, 2);
    try {
      await migrate(pool); // a stack started before a newer migration still gets its tables
      return await fn(pool);
    } finally {
      await pool.end();
    }
  } finally {
    await stop?.();
  }
}
