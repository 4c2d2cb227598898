// The database for the task commands: DATABASE_URL, else the running stack's, else the embedded Postgres in the
// data dir, started for this command and stopped after. `tasks import` and `evaluate` are how a user starts, so
// unlike the read-side commands (cli/database.ts) this initialises the embedded Postgres when there is none yet.
import type pg from 'pg';
import { migrate } from '../infra/migrate.ts';
import { createPool, startEmbeddedPostgres, waitForDatabase, type EmbeddedPg } from '../infra/postgres.ts';
import { loadSettings, type Settings } from '../infra/settings.ts';
import { readStackState } from '../infra/stack.ts';

export async function withTaskDatabase<T>(
  fn: (pool: pg.Pool) => Promise<T>,
  settings: Settings = loadSettings(),
): Promise<T> {
  let url = settings.databaseUrl ?? readStackState(settings)?.databaseUrl;
  let owned: EmbeddedPg | undefined;
  if (!url) {
    // Reuses a Postgres already answering on the port (its stop is then a no-op); else starts one.
    owned = await startEmbeddedPostgres({ dataDir: settings.dataDir, port: settings.embeddedPgPort, quiet: true });
    url = owned.url;
  }
  try {
    await waitForDatabase(url);
    const pool = createPool(url, 4);
    try {
      await migrate(pool);
      return await fn(pool);
    } finally {
      await pool.end();
    }
  } finally {
    await owned?.stop();
  }
}
