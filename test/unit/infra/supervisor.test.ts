// The worker supervisor of `swe-forge up`, on real child processes (`sleep`, `sh -c 'exit 3'`).
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../../infra/stack.ts';
import { backoffMs, superviseWorker, type SupervisedWorkerState } from '../../../infra/supervisor.ts';

const fast = { initialMs: 50, maxMs: 400, healthyAfterMs: 60_000 };
const until = async (probe: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('worker supervisor', () => {
  it('doubles the backoff of a worker that keeps failing quickly, up to the cap', () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffMs(a, fast))).toEqual([50, 100, 200, 400, 400]);
  });

  it('restarts a worker killed with SIGKILL, records it, and never restarts one it was asked to stop', async () => {
    const changes: SupervisedWorkerState[] = [];
    const lines: string[] = [];
    const w = superviseWorker({
      role: 'rollout',
      spawn: () => spawn('sleep', ['60'], { stdio: 'ignore' }),
      onChange: (s) => changes.push({ ...s }),
      log: (l) => lines.push(l),
      backoff: fast,
    });
    const first = w.state.pid;
    process.kill(first, 'SIGKILL');
    await until(() => w.state.restarts === 1);
    expect(w.state.pid).not.toBe(first);
    expect(isAlive(w.state.pid)).toBe(true);
    expect(w.state.lastExit?.signal).toBe('SIGKILL');
    expect(lines.join('\n')).toMatch(/worker rollout \(pid \d+\) exited unexpectedly \(SIGKILL\)/);
    expect(changes.map((c) => c.restarts)).toEqual([0, 1]);

    const second = w.state.pid;
    await w.stop(2_000);
    expect(isAlive(second)).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(w.state.restarts).toBe(1);
    expect(w.state.pid).toBe(second);
  });

  it('backs off between restarts of a worker that exits at once', async () => {
    const starts: number[] = [];
    const w = superviseWorker({
      role: 'gpu',
      spawn: () => {
        starts.push(Date.now());
        return spawn('sh', ['-c', 'exit 3'], { stdio: 'ignore' });
      },
      onChange: () => undefined,
      log: () => undefined,
      backoff: fast,
    });
    await until(() => w.state.restarts >= 3);
    await w.stop(1_000);
    expect(w.state.lastExit?.code).toBe(3);
    const gaps = starts.slice(1, 4).map((t, i) => t - starts[i]!);
    // 50, 100, 200 ms planned: each gap at least its backoff, so the supervisor cannot spin.
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[1]).toBeGreaterThanOrEqual(95);
    expect(gaps[2]).toBeGreaterThanOrEqual(195);
  });
});
