// Starting workers for one or more roles in this process, with graceful shutdown on SIGINT / SIGTERM.
import {
  Worker,
  type NativeConnection,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { TASK_QUEUES, type WorkerRole } from '../core/constants.ts';
import { activitiesForRole } from '../activities/registry.ts';
import type { ActivityDeps } from '../activities/deps.ts';
import type { WorkerConfig } from '../config/worker.ts';

export const WORKFLOWS_PATH = new URL('../workflows/index.ts', import.meta.url).pathname;

let bundlePromise: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle is built once per process and shared by every worker in it. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundlePromise ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return bundlePromise;
}
const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};

export interface CreateWorkerOptions {
  role: WorkerRole;
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDeps;
  config: WorkerConfig;
  /** Extra activities (tests stub or add some). */
  activities?: Record<string, (...args: never[]) => unknown>;
  taskQueue?: string;
}

export async function createWorker(o: CreateWorkerOptions): Promise<Worker> {
  const roleConfig = o.config[o.role];
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue ?? TASK_QUEUES[o.role],
    // Only the orchestrator runs workflow code; rollout and gpu workers are activity-only.
    workflowBundle: o.role === 'orchestrator' ? await workflowBundle() : undefined,
    activities: { ...activitiesForRole(o.role, o.deps), ...o.activities },
    maxConcurrentActivityTaskExecutions: roleConfig.maxConcurrentActivityTaskExecutions,
    maxConcurrentWorkflowTaskExecutions:
      o.role === 'orchestrator' ? roleConfig.maxConcurrentWorkflowTaskExecutions : undefined,
    shutdownGraceTime: `${o.config.shutdownGraceSec}s`,
    // Cancellation reaches an activity with the reply to its heartbeat; the default throttle (up to 60 s) would
    // leave a cancelled rollout's container or trainer running that long.
    maxHeartbeatThrottleInterval: '5 seconds',
  });
}

/** Runs the workers until a signal arrives, then shuts them down gracefully. */
export async function runWorkersUntilSignal(workers: Worker[]): Promise<void> {
  const stop = () => workers.forEach((w) => w.shutdown());
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
