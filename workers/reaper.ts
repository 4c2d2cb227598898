// Rollout workers reap orphaned containers: a worker killed mid-rollout leaves its container running, and the
// retry runs in a new one elsewhere. Anything of ours older than the TTL (longer than any rollout may live) goes.
import type Docker from 'dockerode';
import { reapOrphans } from '../infra/sandboxReaper.ts';

export interface Reaper {
  /** Resolves when the first pass (at start-up) is done. */
  ready: Promise<void>;
  stop(): void;
}

export function startReaper(docker: Docker, o: { ttlSec: number; everySec: number }): Reaper {
  const pass = async () => {
    try {
      const { removed } = await reapOrphans(docker, { ttlSec: o.ttlSec });
      if (removed.length)
        console.log(`[reaper] removed ${removed.length} orphaned container(s) older than ${o.ttlSec}s`);
    } catch (err) {
      console.warn(`[reaper] ${(err as Error).message}`);
    }
  };
  const timer = setInterval(() => void pass(), o.everySec * 1000);
  timer.unref();
  return { ready: pass(), stop: () => clearInterval(timer) };
}
