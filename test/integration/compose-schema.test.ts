// docker-compose.yml's database set-up, run for real outside Docker: Debian's Postgres stands where the postgresql
// service does (superuser and password from that service's environment, password authentication over TCP), psql
// runs init-swe-forge-db.sql as the postgres image's entrypoint would, and setup-temporal-schema.sh runs under
// /bin/sh with the temporal-schema service's environment as Compose resolves it, calling the real temporal-sql-tool
// of the server version the compose file pins (built from its Go module by `infra/bootstrap.sh --test`). Only the
// host and port differ from inside the stack.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { migrate } from '../../infra/migrate.ts';
import { freePort } from '../../infra/net.ts';
import { startDebianPostgres, type DebianPg } from '../helpers/debianPostgres.ts';
import { testDataDir } from '../../dev/stack.ts';

type Service = { image?: string; environment?: Record<string, string> };
const compose = parse(execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { encoding: 'utf8' })) as {
  services: Record<string, Service>;
};
const schemaEnv = compose.services['temporal-schema']!.environment!;
const pgEnv = compose.services.postgresql!.environment!;
const version = compose.services['temporal-schema']!.image!.split(':')[1]!;
const toolDir = join(
  process.env.SWE_FORGE_CACHE ?? join(homedir(), '.cache', 'swe-forge'),
  `temporal-sql-tool-${version}`,
);
const versioned = (kind: string) => join(toolDir, 'schema', 'postgresql', 'v12', kind, 'versioned');
/** The newest versioned schema directory (v1.0 … v1.17): what update-schema must reach. */
const latest = (kind: string) =>
  readdirSync(versioned(kind))
    .map((d) => d.replace(/^v/, ''))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
    .at(-1);

let dir: string;
let server: DebianPg;
beforeAll(async () => {
  if (!existsSync(join(toolDir, 'temporal-sql-tool')))
    throw new Error(`no temporal-sql-tool ${version} in ${toolDir}: run \`bash infra/bootstrap.sh --test\``);
  dir = testDataDir('compose-schema');
  server = startDebianPostgres({
    dir,
    port: await freePort(),
    user: pgEnv.POSTGRES_USER!,
    password: pgEnv.POSTGRES_PASSWORD!,
  });
}, 60_000);
afterAll(() => {
  server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function setupSchema(env: Record<string, string | undefined>) {
  return spawnSync('/bin/sh', ['infra/compose/setup-temporal-schema.sh'], {
    encoding: 'utf8',
    env: {
      PATH: `${toolDir}:${process.env.PATH}`,
      TEMPORAL_SCHEMA_DIR: join(toolDir, 'schema'),
      ...env,
      POSTGRES_SEEDS: '127.0.0.1',
      DB_PORT: String(server.port),
    },
  });
}

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("docker-compose.yml's schema set-up against Debian's Postgres", () => {
  it('refuses to run without the password, and fails with a wrong one', () => {
    const none = setupSchema({ ...schemaEnv, POSTGRES_PWD: undefined });
    expect(none.status).not.toBe(0);
    expect(none.stderr).toContain('POSTGRES_PWD is not set');
    const wrong = setupSchema({ ...schemaEnv, POSTGRES_PWD: 'not-the-password' });
    expect(wrong.status).not.toBe(0);
    expect(wrong.stdout + wrong.stderr).toMatch(/password authentication failed/);
  });

  it("brings both of Temporal's databases to the schema version of the pinned server, twice over", async () => {
    for (const attempt of [1, 2]) {
      const r = setupSchema(schemaEnv);
      expect({ attempt, status: r.status, tail: r.stderr.slice(-2000) }).toMatchObject({ attempt, status: 0 });
      expect(r.stdout).toContain('temporal schema ready');
    }
    const url = (db: string) =>
      `postgres://${schemaEnv.POSTGRES_USER}:${schemaEnv.POSTGRES_PWD}@127.0.0.1:${server.port}/${db}`;
    const [t] = await query(url('temporal'), 'select curr_version from schema_version');
    const [v] = await query(url('temporal_visibility'), 'select curr_version from schema_version');
    expect(t!.curr_version).toBe(latest('temporal'));
    expect(v!.curr_version).toBe(latest('visibility'));
    expect(await query(url('temporal'), "select to_regclass('executions') as t")).toEqual([{ t: 'executions' }]);
  });

  it("creates swe-forge's database for the workers' DATABASE_URL, where the migrations then apply", async () => {
    execFileSync('psql', [
      ...['-v', 'ON_ERROR_STOP=1', '-h', server.socketDir, '-p', String(server.port)],
      ...['-U', pgEnv.POSTGRES_USER!, '-d', pgEnv.POSTGRES_USER!, '-f', 'infra/compose/init-swe-forge-db.sql'],
    ]);
    const workerUrl = new URL(compose.services.orchestrator!.environment!.DATABASE_URL!);
    workerUrl.host = `127.0.0.1:${server.port}`;
    const pool = new pg.Pool({ connectionString: workerUrl.toString(), max: 2 });
    try {
      await migrate(pool);
      const { rows } = await pool.query("select to_regclass('runs') as t, current_user as u");
      expect(rows).toEqual([{ t: 'runs', u: workerUrl.username }]);
    } finally {
      await pool.end();
    }
  });
});
