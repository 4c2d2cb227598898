// Entry point of a worker process: `swe-forge worker --role rollout` or `node --import tsx workers/rollout.ts`.
import { WORKER_ROLES, type WorkerRole } from '../core/constants.ts';
import { InputError } from '../core/errors.ts';
import { loadWorkerConfig } from '../config/worker.ts';
import { loadSettings } from '../infra/settings.ts';
import { connectWorker } from '../infra/temporal.ts';
import { createPool, waitForDatabase } from '../infra/postgres.ts';
import { embeddedDatabaseUrl } from '../infra/settings.ts';
import { connectDocker } from '../infra/docker.ts';
import { liveContainers } from '../activities/agent/leaseStore.ts';
import { installMetrics } from './metrics.ts';
import { startReaper } from './reaper.ts';

/** A rollout lease that beat this recently is live (it beats every sandbox.heartbeatSec, at most 60 s). */
const LIVE_LEASE_SEC = 300;
import { createWorker, runWorkersUntilSignal } from './run.ts';

export async function runWorkerProcess(roles: WorkerRole[]): Promise<void> {
  for (const r of roles) if (!WORKER_ROLES.includes(r)) throw new InputError(`--role: unknown role ${r}`);
  const settings = loadSettings();
  const config = loadWorkerConfig();
  const dbUrl = settings.databaseUrl ?? embeddedDatabaseUrl(settings.embeddedPgPort);
  await waitForDatabase(dbUrl);
  // Queries wait out a Postgres restart instead of failing the activity (infra/postgres.ts PoolOptions).
  const pool = createPool(dbUrl, 10, { outageMs: 60_000 });
  const docker = roles.includes('rollout') ? await connectDocker(settings.dockerHost) : undefined;
  const metrics = installMetrics(); // before the first connection: the Runtime is created with it
  if (metrics) console.log(`[worker] Temporal SDK metrics for Prometheus at http://${metrics}/metrics`);
  const connection = await connectWorker(settings.temporal);
  const live = () => liveContainers(pool, LIVE_LEASE_SEC);
  const reaper = docker
    ? startReaper(docker, { ttlSec: config.reapTtlSec, everySec: config.reapEverySec, live })
    : undefined;
  try {
    const deps = { pool, settings, docker };
    const workers = await Promise.all(
      roles.map((role) => createWorker({ role, connection, namespace: settings.temporal.namespace, deps, config })),
    );
    console.log(`[worker] ${roles.join(', ')} polling on ${settings.temporal.address}`);
    await runWorkersUntilSignal(workers);
  } finally {
    reaper?.stop();
    await connection.close();
    await pool.end();
  }
}

export function rolesFromArg(role: string): WorkerRole[] {
  return role === 'all' ? [...WORKER_ROLES] : [role as WorkerRole];
}
