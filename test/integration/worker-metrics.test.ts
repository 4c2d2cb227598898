// A worker process started as users start one (`swe-forge worker --role orchestrator`) against a real dev server,
// with SWE_FORGE_METRICS_ADDRESS set: its Temporal SDK metrics are served for Prometheus at /metrics.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../infra/net.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';
import { eventually } from '../workflows/helpers/run.ts';

let stack: TestStack;
let worker: ChildProcess | undefined;

beforeAll(async () => {
  stack = await startTestStack({ prefix: 'worker-metrics' });
}, 420_000);
afterAll(async () => {
  worker?.kill('SIGTERM');
  const pgDir = stack?.pg?.dataDir;
  await stack?.stop();
  if (pgDir) rmSync(pgDir, { recursive: true, force: true });
});

it('serves Temporal SDK metrics in the Prometheus text format', async () => {
  const port = await freePort();
  worker = spawn(process.execPath, [resolve('bin/swe-forge.mjs'), 'worker', '--role', 'orchestrator'], {
    env: {
      ...process.env,
      DATABASE_URL: stack.pg!.url,
      TEMPORAL_ADDRESS: stack.temporal!.address,
      SWE_FORGE_DATA: stack.dir,
      SWE_FORGE_METRICS_ADDRESS: `127.0.0.1:${port}`,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  worker.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const body = await eventually(
    'worker metrics',
    async () => {
      // Poller gauges appear once the worker polls its task queue.
      if (worker!.exitCode !== null) throw new Error(`worker exited ${worker!.exitCode}: ${stderr}`);
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return /^temporal_num_pollers\{/m.test(text) ? text : undefined;
    },
    240_000,
  );
  expect(body).toMatch(/^temporal_num_pollers\{.*task_queue="swe-forge-orchestrator"/m);
  expect(body).toMatch(/^# TYPE temporal_\w+ (counter|gauge|histogram)/m);
}, 420_000);
