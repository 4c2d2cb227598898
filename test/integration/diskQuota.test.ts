// sandbox.containerDiskGb on this machine's real engine: the quota goes into the container's HostConfig exactly
// when the storage driver supports it, and a sandbox asked for one still starts where it does not.
import { afterAll, expect, it } from 'vitest';
import { connectDocker } from '../../infra/docker.ts';
import { engineQuotaSupport, quotaSupport } from '../../infra/diskQuota.ts';
import { BASE_IMAGE } from '../../infra/images/taskImage.ts';
import { Sandbox } from '../../infra/sandbox.ts';

let box: Sandbox | undefined;
afterAll(async () => box?.remove());

it('applies StorageOpt size only where the storage driver supports it', { timeout: 120_000 }, async () => {
  const docker = await connectDocker();
  const support = await engineQuotaSupport(docker);
  expect(support).toEqual(quotaSupport(await docker.info()));
  box = await Sandbox.create(docker, {
    image: BASE_IMAGE,
    labels: { activity: 'disk-quota-test' },
    memoryMb: 256,
    pidsLimit: 64,
    cpuShares: 256,
    network: false,
    workdir: '/',
    diskGb: 1,
  });
  const host = (await docker.getContainer(box.id).inspect()).HostConfig as { StorageOpt?: Record<string, string> };
  if (support.supported) expect(host.StorageOpt).toEqual({ size: '1G' });
  else expect(host.StorageOpt ?? {}).toEqual({});
  expect((await box.exec('echo ok')).output.trim()).toBe('ok');
  console.log(
    `storage driver ${support.driver}: quota ${support.supported ? 'applied' : 'not applied'} (${support.reason})`,
  );
});
