// Plain-SQL migrations in infra/migrations, applied in order, each once, under an advisory lock.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';

const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations');
const LOCK_KEY = 0x5f0f0e;

export interface MigrationResult {
  applied: string[];
  skipped: string[];
}

export function listMigrations(dir = MIGRATIONS_DIR): { version: string; name: string; sql: string }[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_.*\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: f.split('_')[0]!, name: f, sql: readFileSync(join(dir, f), 'utf8') }));
}

export async function migrate(pool: pg.Pool, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const client = await pool.connect();
  const result: MigrationResult = { applied: [], skipped: [] };
  try {
    await client.query('select pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(
      `create table if not exists schema_migrations (
         version text primary key, name text not null, checksum text not null, applied_at timestamptz not null default now())`,
    );
    const done = new Map(
      (
        await client.query<{ version: string; checksum: string }>('select version, checksum from schema_migrations')
      ).rows.map((r) => [r.version, r.checksum]),
    );
    for (const m of listMigrations(dir)) {
      const checksum = createHash('sha256').update(m.sql).digest('hex');
      const seen = done.get(m.version);
      if (seen) {
        if (seen !== checksum) throw new Error(`migration ${m.name} changed after it was applied (checksum differs)`);
        result.skipped.push(m.name);
        continue;
      }
      await client.query('begin');
      try {
        await client.query(m.sql);
        await client.query('insert into schema_migrations (version, name, checksum) values ($1, $2, $3)', [
          m.version,
          m.name,
          checksum,
        ]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`);
      }
      result.applied.push(m.name);
    }
  } finally {
    await client.query('select pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    client.release();
  }
  return result;
}
