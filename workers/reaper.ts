// Rollout workers reap orphaned containers: a worker killed mid-rollout leaves its container running, and the
// retry resumes in it or starts a new one. Anything of ours older than the TTL (longer than any rollout attempt may
// live) goes, unless its rollout's lease still beats.
import type Docker from 'dockerode';
import { reapOrphans } from '../infra/sandboxReaper.ts';

export interface Reaper {
  /** Resolves when the first pass (at start-up) is done. */
  ready: Promise<void>;
  stop(): void;
}

export function startReaper(
  docker: Docker,
  o: { ttlSec: number; everySec: number; live?: () => Promise<Set<string>> },
): Reaper {
  const pass = async () => {
    try {
      // A container whose rollout still beats is in use, however old (a rollout resumed after its worker died).
      const { removed } = await reapOrphans(docker, { ttlSec: o.ttlSec, live: o.live });
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
