// Per-container disk quota (sandbox.containerDiskGb): Docker's `StorageOpt: { size }` caps a container's writable
// layer, but only some storage drivers implement it: overlay2 over xfs mounted with pquota, devicemapper, btrfs,
// zfs (and windowsfilter). Elsewhere the engine refuses the container outright, so the quota is applied only where
// the driver allows it; otherwise it is skipped with one warning per process (memory and pid limits still hold).
import type Docker from 'dockerode';

export interface QuotaSupport {
  supported: boolean;
  driver: string;
  reason: string;
}

const QUOTA_DRIVERS = ['devicemapper', 'btrfs', 'zfs', 'windowsfilter'];

/** From `docker info`: overlay2 needs an xfs backing filesystem (its pquota mount option is not reported). */
export function quotaSupport(info: { Driver?: string; DriverStatus?: [string, string][] }): QuotaSupport {
  const driver = info.Driver ?? '?';
  if (QUOTA_DRIVERS.includes(driver)) return { supported: true, driver, reason: `${driver} supports StorageOpt size` };
  const backing = info.DriverStatus?.find(([k]) => k === 'Backing Filesystem')?.[1] ?? '?';
  if (driver === 'overlay2' && backing === 'xfs')
    return { supported: true, driver, reason: 'overlay2 over xfs (needs the pquota mount option)' };
  return {
    supported: false,
    driver,
    reason: `storage driver ${driver} over ${backing} has no per-container quota (needs overlay2 over xfs with pquota, devicemapper, btrfs or zfs)`,
  };
}

const cache = new WeakMap<Docker, Promise<QuotaSupport>>();
let warned = false;

export function engineQuotaSupport(docker: Docker): Promise<QuotaSupport> {
  let p = cache.get(docker);
  if (!p) {
    p = docker.info().then(
      (i: { Driver?: string; DriverStatus?: [string, string][] }) => quotaSupport(i),
      (err: Error) => ({ supported: false, driver: '?', reason: `docker info failed: ${err.message}` }),
    );
    cache.set(docker, p);
  }
  return p;
}

/** The HostConfig part for a quota of `gb` GB: `{ StorageOpt }` where supported, else nothing. */
export async function storageQuota(docker: Docker, gb: number | undefined): Promise<{ StorageOpt?: { size: string } }> {
  if (!gb) return {};
  const s = await engineQuotaSupport(docker);
  if (s.supported) return { StorageOpt: { size: `${gb}G` } };
  if (!warned) {
    warned = true;
    console.warn(`sandbox.containerDiskGb ${gb} not applied: ${s.reason}`);
  }
  return {};
}
