import { describe, expect, it } from 'vitest';
import { quotaSupport } from '../../../infra/diskQuota.ts';

describe('per-container disk quota support', () => {
  it('is there for overlay2 over xfs and the drivers with their own quota', () => {
    expect(quotaSupport({ Driver: 'overlay2', DriverStatus: [['Backing Filesystem', 'xfs']] }).supported).toBe(true);
    for (const Driver of ['devicemapper', 'btrfs', 'zfs']) expect(quotaSupport({ Driver }).supported).toBe(true);
  });

  it('is not for overlay2 over ext4 (this machine) and says why', () => {
    const s = quotaSupport({ Driver: 'overlay2', DriverStatus: [['Backing Filesystem', 'extfs']] });
    expect(s).toMatchObject({ supported: false, driver: 'overlay2' });
    expect(s.reason).toMatch(/overlay2 over extfs has no per-container quota/);
  });
});
