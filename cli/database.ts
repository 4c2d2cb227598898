// The run database for CLI commands: DATABASE_URL, else the running stack's, else the embedded Postgres in the
// data dir, started for this command and stopped after (so `report` works after `down`). Commands a user starts
// with (`tasks import`, `evaluate`, `rollout`) pass `create` to initialise the embedded Postgres on a fresh
// checkout; read-side commands refuse instead, since an empty new database could only answer "not found".
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { ServiceUnavailableError } from '../core/errors.ts';
import { migrate } from '../infra/migrate.ts';
import { createPool, pgDataDir, startEmbeddedPostgres, waitForDatabase, type EmbeddedPg } from '../infra/postgres.ts';
import { loadSettings, type Settings } from '../infra/settings.ts';
import { readStackState } from '../infra/stack.ts';

export async function withDatabase<T>(
  fn: (pool: pg.Pool) => Promise<T>,
  o: { settings?: Settings; create?: boolean } = {},
): Promise<T> {
  const settings = o.settings ?? loadSettings();
  let url = settings.databaseUrl ?? readStackState(settings)?.databaseUrl;
  let owned: EmbeddedPg | undefined;
  if (!url) {
    if (!o.create && !existsSync(join(pgDataDir(settings.dataDir), 'PG_VERSION'))) {
      throw new ServiceUnavailableError(
        `no database: DATABASE_URL is not set, no stack is running and ${settings.dataDir} holds no embedded Postgres (run \`swe-forge up\`)`,
      );
    }
    // Reuses a Postgres already answering on the port (its stop is then a no-op); else starts one.
    owned = await startEmbeddedPostgres({ dataDir: settings.dataDir, port: settings.embeddedPgPort, quiet: true });
    url = owned.url;
  }
  try {
    await waitForDatabase(url, 10_000);
    const pool = createPool(url, 4);
    try {
      await migrate(pool); // a stack started before a newer migration still gets its tables
      return await fn(pool);
    } finally {
      await pool.end();
    }
  } finally {
    await owned?.stop();
  }
}
