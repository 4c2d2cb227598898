// `npm run bench -- inflight [--n 1000] [--baseline 100] [--sleep-sec 60] [--heartbeat-sec 4] [--pollers P]
// [--executions K]`: how many rollouts can be in flight at once. N heartbeating rollout activities go through the
// real fan-out (rolloutBatchWorkflow, i.e. runWindowed: by default window = N in one execution, the largest
// partition MAX_PARTITION allows; --executions K splits N over K of them started together, as fanOutRollouts runs
// partitions) on a headless dev server, served by an in-process rollout worker whose runRollout is an environment
// stand-in that sleeps instead of running a container (`sleep-stand-in`). Measures schedule-to-start p50/p95, peak
// in flight, heartbeats per second held, the history against Temporal's limits, and peak RSS of this process
// (orchestrator worker + rollout worker + client) and of the dev server. Baseline: the same fan-out at N =
// --baseline, same run. Target: all N in flight at once and p95 schedule-to-start < 2 s. Last line: one JSON object.
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { TASK_QUEUES } from '../core/constants.ts';
import { startTestStack, type TestStack } from '../dev/stack.ts';
import { addTally, emptyTally, type RolloutBatchSpec } from '../workflows/fanout.ts';
import { chunk } from '../core/sampling.ts';
import { parseConfig } from '../workflows/pipeline.ts';
import { workflowBundle } from '../workers/run.ts';
import { historyFigures, LIMITS, type HistoryFigures } from './inflightHistory.ts';
import {
  emptyStats,
  percentile,
  rssOf,
  serverHeartbeats,
  sleepStandIn,
  STAND_IN,
  type FleetStats,
} from './inflightStandIn.ts';

const TARGET_P95_MS = 2000;
const SAMPLE_MS = 500;
const MiB = 1024 * 1024;

interface Sample {
  at: number;
  calls: number;
  sent?: number;
}

interface FanOutFigures {
  n: number;
  wallMs: number;
  stats: FleetStats;
  p50: number;
  p95: number;
  max: number;
  /** Per second over the time all N were in flight: heartbeat() calls in the worker, and those the server got. */
  heartbeatCallsPerSec: number;
  heartbeatsSentPerSec?: number;
  orchestratorPeakRss: number;
  devServerPeakRss: number;
  history: HistoryFigures;
}

function rate(samples: Sample[], from: number | undefined, to: number | undefined, key: 'calls' | 'sent') {
  const inside = samples.filter((s) => from !== undefined && to !== undefined && s.at >= from && s.at <= to);
  const a = inside[0];
  const b = inside.at(-1);
  if (!a || !b || b.at - a.at < 1000 || a[key] === undefined || b[key] === undefined) return undefined;
  return ((b[key] - a[key]) / (b.at - a.at)) * 1000;
}

async function fanOut(
  n: number,
  o: {
    client: Client;
    stack: TestStack;
    spec: Omit<RolloutBatchSpec, 'items' | 'window' | 'partitionSize'>;
    /** Executions sharing the N items, started together (as fanOutRollouts runs partitions as children). */
    executions: number;
  },
  fleet: { stats: FleetStats; total: number },
): Promise<FanOutFigures> {
  fleet.stats = emptyStats();
  fleet.total = n;
  const server = o.stack.temporal!;
  const samples: Sample[] = [];
  let orchestratorPeakRss = process.memoryUsage().rss;
  let devServerPeakRss = rssOf(server.process.pid!);
  let sampling = true;
  // Bounded: stops when the fan-out returns (sampling = false).
  const sampler = (async () => {
    while (sampling) {
      orchestratorPeakRss = Math.max(orchestratorPeakRss, process.memoryUsage().rss);
      devServerPeakRss = Math.max(devServerPeakRss, rssOf(server.process.pid!));
      const sent = await serverHeartbeats(server.ports.metrics);
      samples.push({ at: Date.now(), calls: fleet.stats.heartbeatCalls, sent });
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
  })();
  const items = Array.from({ length: n }, (_, i) => ({ taskId: `inflight-${String(i).padStart(5, '0')}`, sample: 0 }));
  const parts = chunk(items, Math.ceil(n / o.executions));
  const workflowId = (i: number) => `bench-inflight-${n}/part-${i}`;
  const t0 = performance.now();
  try {
    const tallies = await Promise.all(
      parts.map((part, i) =>
        o.client.workflow.execute('rolloutBatchWorkflow', {
          taskQueue: TASK_QUEUES.orchestrator,
          workflowId: workflowId(i),
          args: [
            { ...o.spec, source: `bench/${n}/${i}`, items: part, window: part.length, partitionSize: part.length },
          ],
        }),
      ),
    );
    const tally = tallies.reduce(addTally, emptyTally(0));
    if (tally.done !== n || tally.failed > 0)
      throw new Error(`fan-out of ${n}: ${tally.done} done, ${tally.failed} failed: ${tally.errors.join('; ')}`);
  } finally {
    sampling = false;
    await sampler;
  }
  const wallMs = performance.now() - t0;
  const s = fleet.stats;
  const [from, to] = [s.allInFlightAt, s.firstDoneAt];
  return {
    n,
    wallMs,
    stats: s,
    p50: percentile(s.scheduleToStartMs, 50),
    p95: percentile(s.scheduleToStartMs, 95),
    max: Math.max(...s.scheduleToStartMs),
    heartbeatCallsPerSec: rate(samples, from, to, 'calls') ?? NaN,
    heartbeatsSentPerSec: rate(samples, from, to, 'sent'),
    orchestratorPeakRss,
    devServerPeakRss,
    history: await historyFigures(o.client.workflow.getHandle(workflowId(0))),
  };
}

const f1 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '?' : x.toFixed(1));
const mib = (b: number) => `${(b / MiB).toFixed(0)} MiB`;

function table(
  rows: FanOutFigures[],
  o: { sleepSec: number; heartbeatSec: number; pollers: string; executions: string },
): void {
  console.log(
    `rollout activity: ${STAND_IN} (no container, no model; sleeps ${o.sleepSec} s, heartbeats every ` +
      `${o.heartbeatSec} s); fan-out: rolloutBatchWorkflow (runWindowed), window = N / executions, ${o.executions} execution(s); ` +
      `activity pollers: ${o.pollers}`,
  );
  const cols = ['N', 'peak in flight', 'sched→start p50 / p95 / max (worker)', 'same (server events)'];
  const cols2 = ['heartbeat calls/s', 'sent to server/s', 'history events / size', 'largest workflow task'];
  const cols3 = ['orchestrator peak RSS', 'dev server peak RSS', 'wall'];
  console.log(`| ${[...cols, ...cols2, ...cols3].join(' | ')} |`);
  for (const r of rows) {
    const h = r.history;
    const sv = h.serverScheduleToStartMs;
    console.log(
      `| ${[
        r.n,
        r.stats.peakInFlight,
        `${r.p50} / ${r.p95} / ${r.max} ms`,
        `${sv.p50} / ${sv.p95} / ${sv.max} ms`,
        f1(r.heartbeatCallsPerSec),
        f1(r.heartbeatsSentPerSec),
        `${h.events} / ${(h.bytes / MiB).toFixed(2)} MiB`,
        `${h.largestBatch.activities} activities, ${(h.largestBatch.bytes / MiB).toFixed(2)} MiB`,
        mib(r.orchestratorPeakRss),
        mib(r.devServerPeakRss),
        `${(r.wallMs / 1000).toFixed(1)} s`,
      ].join(' | ')} |`,
    );
  }
  const big = rows.at(-1)!;
  console.log(
    `limits at N=${big.n}, first execution: history ${((big.history.events / LIMITS.events) * 100).toFixed(1)} % of ${LIMITS.events} ` +
      `events, ${((big.history.bytes / LIMITS.bytes) * 100).toFixed(1)} % of 50 MiB; ${big.history.scheduled} of ` +
      `${LIMITS.pendingActivities} pending activities per execution at most; ${(big.history.scheduledEventBytes / big.history.scheduled).toFixed(0)} bytes ` +
      `per ActivityTaskScheduled; workflow tasks timed out ${big.history.workflowTaskTimeouts}, failed ` +
      `${big.history.workflowTaskFailures}`,
  );
}

export default async function inflight(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      n: { type: 'string', default: '1000' },
      baseline: { type: 'string', default: '100' },
      'sleep-sec': { type: 'string', default: '60' },
      'heartbeat-sec': { type: 'string', default: '4' },
      pollers: { type: 'string' },
      executions: { type: 'string', default: '1' },
    },
  });
  const [n, baseline, sleepSec, heartbeatSec, executions] = [
    values.n,
    values.baseline,
    values['sleep-sec'],
    values['heartbeat-sec'],
    values.executions,
  ].map(Number);
  for (const [k, v] of Object.entries({ n, baseline, sleepSec, heartbeatSec, executions }))
    if (!Number.isInteger(v) || v! < 1) throw new Error(`--${k} must be a positive integer (got ${v})`);
  if (n! > 1000 || baseline! > n!) throw new Error(`need baseline <= n <= 1000 (MAX_WINDOW; got ${baseline}, ${n})`);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const stack = await startTestStack({ prefix: 'bench-inflight', postgres: false });
  const fleet = { stats: emptyStats(), total: 0 };
  const native = await NativeConnection.connect({ address: stack.temporal!.address });
  const workers = [
    await Worker.create({
      connection: native,
      taskQueue: TASK_QUEUES.orchestrator,
      workflowBundle: await workflowBundle(),
    }),
    await Worker.create({
      connection: native,
      taskQueue: TASK_QUEUES.rollout,
      activities: {
        runRollout: sleepStandIn(() => fleet.stats, { sleepMs: sleepSec! * 1000, total: () => fleet.total }),
      },
      maxConcurrentActivityTaskExecutions: n!,
      // Left out, the SDK's default (what workers/run.ts gives a rollout worker).
      maxConcurrentActivityTaskPolls: values.pollers === undefined ? undefined : Number(values.pollers),
      // As workers/run.ts sets it for every worker: the heartbeats that reach the server are throttled to this.
      maxHeartbeatThrottleInterval: '5 seconds',
    }),
  ];
  const running = workers.map((w) => w.run());
  const client = new Client({ connection: await Connection.connect({ address: stack.temporal!.address }) });
  try {
    const config = parseConfig({
      name: 'bench',
      tasks: { file: '(none)' },
      models: { teachers: [{ name: 'noop', kind: 'scripted' }], policy: { name: 'noop', kind: 'scripted' } },
      sandbox: { heartbeatSec },
    });
    const spec = {
      runId: 'bench-inflight',
      stage: 'rl' as const,
      progressStage: null,
      source: 'bench',
      models: [{ model: config.models.policy }],
      agent: config.agent,
      sandbox: config.sandbox,
      alpha: config.stages.rl.alpha,
      seed: config.seed,
      keepIds: false,
    };
    const rows: FanOutFigures[] = [];
    for (const size of [baseline!, n!])
      rows.push(await fanOut(size, { client, stack, spec, executions: Number(values.executions) }, fleet));
    table(rows, {
      sleepSec: sleepSec!,
      heartbeatSec: heartbeatSec!,
      pollers: values.pollers ?? 'SDK default',
      executions: values.executions,
    });
    const [base, big] = [rows[0]!, rows[1]!];
    const allAtOnce = big.stats.peakInFlight === big.n;
    console.log(
      JSON.stringify({
        bench: 'inflight',
        environment: STAND_IN,
        n: big.n,
        baselineN: base.n,
        sleepSec,
        heartbeatSec,
        pollers: values.pollers === undefined ? 'default' : Number(values.pollers),
        executions: Number(values.executions),
        peakInFlight: big.stats.peakInFlight,
        p50Ms: big.p50,
        p95Ms: big.p95,
        baselineP95Ms: base.p95,
        serverP95Ms: big.history.serverScheduleToStartMs.p95,
        heartbeatCallsPerSec: Math.round(big.heartbeatCallsPerSec),
        heartbeatsSentPerSec: big.heartbeatsSentPerSec === undefined ? null : Math.round(big.heartbeatsSentPerSec),
        historyEvents: big.history.events,
        historyBytes: big.history.bytes,
        largestWorkflowTaskBytes: big.history.largestBatch.bytes,
        workflowTaskTimeouts: big.history.workflowTaskTimeouts,
        orchestratorPeakRssMiB: Math.round(big.orchestratorPeakRss / MiB),
        devServerPeakRssMiB: Math.round(big.devServerPeakRss / MiB),
        ratio: Math.round((big.p95 / Math.max(1, base.p95)) * 100) / 100,
        target: `p95 < ${TARGET_P95_MS} ms, all N in flight`,
        ok: allAtOnce && big.p95 < TARGET_P95_MS,
      }),
    );
  } finally {
    workers.forEach((w) => w.shutdown());
    await Promise.allSettled(running);
    await client.connection.close();
    await native.close();
    await stack.stop();
  }
}
