// The real stack a fault scenario runs against: a Temporal dev server and an embedded Postgres on free ports in
// a temp dir, the bundled tasks imported, and worker PROCESSES (`swe-forge worker --role ...`) the scenario can
// kill and restart. Temporal and Postgres restart on the same files and ports, as after a crash of either.
import { resolve, join } from 'node:path';
import { rmSync } from 'node:fs';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type Docker from 'dockerode';
import { prepareImport } from '../activities/tasks/importFile.ts';
import { createTaskStore } from '../activities/tasks/store.ts';
import type { WorkerRole } from '../core/constants.ts';
import type { RunConfig } from '../config/schema.ts';
import { connectDocker } from '../infra/docker.ts';
import { ensureTaskImage } from '../infra/images/taskImage.ts';
import { startEmbeddedPostgres } from '../infra/postgres.ts';
import { startDevServer } from '../infra/temporal.ts';
import { startTestStack, type TestStack } from './stack.ts';
import { removeRunContainers } from './dockerCleanup.ts';
import { startRun } from './faultRun.ts';
import { startWorkerProcess, type WorkerProcess } from './workers.ts';

export const MINI_TASKS = resolve('tasks/mini/tasks.jsonl');

export interface FaultStack {
  dir: string;
  base: TestStack;
  client: Client;
  docker: Docker;
  /** The environment a worker process of this stack gets. */
  workerEnv: NodeJS.ProcessEnv;
  artifactsDir: string;
  startWorker(role: WorkerRole, env?: NodeJS.ProcessEnv): Promise<WorkerProcess>;
  /** Stops the dev server and starts it again on the same SQLite file and port. */
  restartTemporal(): Promise<void>;
  /** Stops Postgres, waits `downMs`, starts it again on the same data dir and port. */
  restartPostgres(downMs: number): Promise<void>;
  importTasks(file?: string): Promise<number>;
  /** Starts a pipeline run; its containers are removed when the stack stops, whatever the test saw. */
  startRun(runId: string, config: RunConfig): Promise<WorkflowHandle>;
  stop(): Promise<void>;
}

export async function startFaultStack(prefix: string): Promise<FaultStack> {
  const base = await startTestStack({ prefix: `faults-${prefix}` });
  const workers: WorkerProcess[] = [];
  const runs = new Set<string>();
  let connection: Connection | undefined;
  try {
    const temporalPort = Number(base.temporal!.address.split(':').pop());
    const pgPort = Number(new URL(base.pg!.url).port);
    connection = await Connection.connect({ address: base.temporal!.address });
    const docker = await connectDocker();
    const artifactsDir = join(base.dir, 'artifacts');
    const workerEnv: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: base.temporal!.address,
      DATABASE_URL: base.pg!.url,
      SWE_FORGE_DATA: base.dir,
      SWE_FORGE_ARTIFACTS: artifactsDir,
    };
    const stack: FaultStack = {
      dir: base.dir,
      base,
      client: new Client({ connection }),
      docker,
      workerEnv,
      artifactsDir,
      async startWorker(role, env = {}) {
        const w = await startWorkerProcess(
          role,
          { ...workerEnv, ...env },
          join(base.dir, `worker-${role}-${workers.length}.log`),
        );
        workers.push(w);
        return w;
      },
      async restartTemporal() {
        await base.temporal!.stop();
        base.temporal = await startDevServer({
          dataDir: join(base.dir, 'temporal'),
          port: temporalPort,
          headless: true,
          logFile: join(base.dir, 'temporal.log'),
        });
      },
      async restartPostgres(downMs) {
        await base.pg!.stop();
        await new Promise((r) => setTimeout(r, downMs));
        base.pg = await startEmbeddedPostgres({ dataDir: base.dir, port: pgPort, quiet: true });
      },
      async importTasks(file = MINI_TASKS) {
        const prepared = await prepareImport(file);
        if (prepared.errors.length) throw new Error(`${file}: ${prepared.errors.length} bad rows`);
        await createTaskStore(base.pool!).importRows(prepared.rows);
        // Images are cached by build key; on a fresh machine build them here, so a scenario's timing is its own.
        for (const { task, sourcePath } of prepared.rows)
          if (sourcePath) await ensureTaskImage(docker, task, { repoPath: sourcePath });
        return prepared.rows.length;
      },
      startRun(runId, config) {
        runs.add(runId);
        return startRun(stack.client, runId, config);
      },
      async stop() {
        await Promise.all(workers.map((w) => w.stop()));
        await connection?.close().catch(() => undefined);
        for (const r of runs) await removeRunContainers(docker, r);
        const pgDir = base.pg?.dataDir;
        await base.stop();
        // As root the data dir may live outside the temp dir (infra/postgres.ts pgDataDir): remove it too.
        if (pgDir) rmSync(pgDir, { recursive: true, force: true });
      },
    };
    return stack;
  } catch (err) {
    await connection?.close().catch(() => undefined);
    await base.stop();
    throw err;
  }
}
