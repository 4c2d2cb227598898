// Real parts for integration tests: a Temporal dev server and an embedded Postgres on free ports in a temp dir,
// migrated, torn down after. Every integration suite uses this instead of starting its own. Both pick their own
// ports and pick again when another process takes one first (the suites run in parallel).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { freePort } from '../infra/net.ts';
import { createPool, startEmbeddedPostgres, type EmbeddedPg } from '../infra/postgres.ts';
import { migrate } from '../infra/migrate.ts';
import { startDevServer, type DevServer } from '../infra/temporal.ts';

export interface TestStack {
  dir: string;
  temporal?: DevServer;
  pg?: EmbeddedPg;
  pool?: pg.Pool;
  stop(): Promise<void>;
}

/** A data dir Postgres (run as user postgres when we are root) can reach: /tmp dirs from mktemp are 0700. */
export function testDataDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `swe-forge-${prefix}-`));
  return dir;
}

const PG_ATTEMPTS = 3;

/**
 * Embedded Postgres on a free port, and on a fresh one when another process took the port first: the start fails,
 * or (another suite's server, same user and password) it "answers", which startEmbeddedPostgres would reuse.
 */
export async function startTestPostgres(dir: string, pickPort = freePort): Promise<EmbeddedPg> {
  for (let attempt = 1; ; attempt++) {
    const port = await pickPort();
    try {
      const pg = await startEmbeddedPostgres({ dataDir: dir, port, quiet: true });
      if (pg.started) return pg;
      if (attempt >= PG_ATTEMPTS) throw new Error(`another Postgres answered on each port picked (last ${port})`);
    } catch (err) {
      if (attempt >= PG_ATTEMPTS) throw err;
    }
  }
}

export async function startTestStack(o: {
  temporal?: boolean;
  postgres?: boolean;
  dynamicConfig?: Record<string, string | number | boolean>;
  prefix?: string;
}): Promise<TestStack> {
  const dir = testDataDir(o.prefix ?? 'test');
  const stack: TestStack = {
    dir,
    async stop() {
      await stack.pool?.end().catch(() => undefined);
      await stack.temporal?.stop();
      await stack.pg?.stop();
      rmSync(dir, { recursive: true, force: true });
      // As root the data dir may live outside `dir` (infra/postgres.ts pgDataDir): remove it too.
      if (stack.pg?.dataDir) rmSync(stack.pg.dataDir, { recursive: true, force: true });
    },
  };
  try {
    if (o.temporal !== false) {
      stack.temporal = await startDevServer({
        dataDir: join(dir, 'temporal'),
        headless: true,
        dynamicConfig: o.dynamicConfig,
        logFile: join(dir, 'temporal.log'),
      });
    }
    if (o.postgres !== false) {
      stack.pg = await startTestPostgres(dir);
      stack.pool = createPool(stack.pg.url, 5);
      await migrate(stack.pool);
    }
    return stack;
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
