// Temporal SDK metrics (task-queue polls, schedule-to-start latency, activity and workflow task counts and
// failures, sticky cache) for Prometheus: with SWE_FORGE_METRICS_ADDRESS=host:port a worker process serves them
// at http://host:port/metrics. It must run before the process makes its first Temporal connection: the Runtime
// is process-wide and created once. Off by default (several workers on one host would fight over one port);
// docker-compose.yml turns it on for each worker service.
import { Runtime } from '@temporalio/worker';
import { InputError } from '../core/errors.ts';

export function installMetrics(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const address = env.SWE_FORGE_METRICS_ADDRESS?.trim();
  if (!address) return undefined;
  if (!/^[^:\s]+:\d+$/.test(address))
    throw new InputError(`SWE_FORGE_METRICS_ADDRESS: expected host:port, e.g. 0.0.0.0:9464 (received ${address})`);
  Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: address } } } });
  return address;
}
