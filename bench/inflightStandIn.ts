// The environment stand-in for `npm run bench -- inflight`: a rollout activity that runs no container and no
// model. It heartbeats every `sandbox.heartbeatSec` from a timer as the real rollout does, sleeps for a set time,
// and records when it started against when Temporal scheduled it. Named `sleep-stand-in` in the bench's output.
import { readFileSync } from 'node:fs';
import { Context } from '@temporalio/activity';
import type { RolloutInput, RolloutSummary } from '../contracts/rollout.ts';
import { heartbeatEverySec } from '../core/heartbeat.ts';

export const STAND_IN = 'sleep-stand-in';

/** What the worker saw, shared by every activity of one fan-out. */
export interface FleetStats {
  inFlight: number;
  peakInFlight: number;
  started: number;
  finished: number;
  heartbeatCalls: number;
  /** Per activity, ms from the current attempt's schedule to the activity function's first line. */
  scheduleToStartMs: number[];
  /** When the in-flight count first reached the whole fan-out (ms since the epoch), if it did. */
  allInFlightAt?: number;
  /** When the first one finished. */
  firstDoneAt?: number;
}

export const emptyStats = (): FleetStats => ({
  inFlight: 0,
  peakInFlight: 0,
  started: 0,
  finished: 0,
  heartbeatCalls: 0,
  scheduleToStartMs: [],
});

/** What a stand-in rollout returns: an unresolved one-turn episode, no trajectory (nothing ran). */
export function standInSummary(i: Pick<RolloutInput, 'taskId' | 'sample'>): RolloutSummary {
  return {
    rolloutId: 0,
    taskId: i.taskId,
    sample: i.sample,
    exitReason: 'submitted',
    forced: false,
    outcome: 'unresolved',
    reward: 0,
    masked: false,
    turns: 1,
    tokens: 1,
    historyAttempts: 0,
    loopCount: 0,
    trajectoryPath: '',
  };
}

export function sleepStandIn(stats: () => FleetStats, o: { sleepMs: number; total: () => number }) {
  return async function runRollout(i: RolloutInput): Promise<RolloutSummary> {
    const ctx = Context.current();
    const s = stats();
    s.scheduleToStartMs.push(Date.now() - ctx.info.currentAttemptScheduledTimestampMs);
    s.started++;
    s.inFlight++;
    if (s.inFlight > s.peakInFlight) s.peakInFlight = s.inFlight;
    if (s.inFlight === o.total() && s.allInFlightAt === undefined) s.allInFlightAt = Date.now();
    const every = heartbeatEverySec(i.sandbox.heartbeatSec) * 1000;
    const end = Date.now() + o.sleepMs;
    try {
      // Bounded: the loop ends at `end`; ctx.sleep throws on cancellation.
      for (let left = o.sleepMs; left > 0; left = end - Date.now()) {
        ctx.heartbeat({ at: Date.now() });
        s.heartbeatCalls++;
        await ctx.sleep(Math.min(every, left));
      }
    } finally {
      s.inFlight--;
      s.finished++;
      s.firstDoneAt ??= Date.now();
    }
    return standInSummary(i);
  };
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** The dev server's count of RecordActivityTaskHeartbeat calls (its Prometheus endpoint), or undefined. */
export async function serverHeartbeats(metricsPort: number): Promise<number | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    let sum: number | undefined;
    for (const line of text.split('\n')) {
      // The frontend's count: the history service counts the same call again under its own service_name.
      const ours = line.includes('operation="RecordActivityTaskHeartbeat"') && line.includes('service_name="frontend"');
      if (!line.startsWith('service_requests{') || !ours) continue;
      sum = (sum ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  } catch {
    return undefined; // the figure is printed as unknown
  }
}

/** Resident set size of a process in bytes from /proc (Linux); 0 if it is gone. */
export function rssOf(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(text);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // the process has exited: nothing resident
  }
}
