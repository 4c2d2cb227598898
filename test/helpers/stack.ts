// Real parts for integration tests: a Temporal dev server and an embedded Postgres on free ports in a temp dir,
// migrated, torn down after. Every integration suite uses this instead of starting its own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { freePort } from '../../infra/net.ts';
import { createPool, startEmbeddedPostgres, type EmbeddedPg } from '../../infra/postgres.ts';
import { migrate } from '../../infra/migrate.ts';
import { startDevServer, type DevServer } from '../../infra/temporal.ts';

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
        port: await freePort(),
        headless: true,
        dynamicConfig: o.dynamicConfig,
        logFile: join(dir, 'temporal.log'),
      });
    }
    if (o.postgres !== false) {
      stack.pg = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), quiet: true });
      stack.pool = createPool(stack.pg.url, 5);
      await migrate(stack.pool);
    }
    return stack;
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
