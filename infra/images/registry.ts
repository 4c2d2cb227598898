// Task images built once for a fleet (issue 26): with a registry (SWE_FORGE_REGISTRY, `host:port[/prefix]`), a
// task image is looked up there by a content tag before it is built, and pushed there after it is built, so the
// other hosts pull it instead of building it again. The tag is a hash of what the image is made of (the base
// image's recipe labels, the repository, base_commit, the install and test spec, the setup patch), not of
// host-local ids, so every host computes the same one. A registry that cannot be reached is said once per call and
// the host builds as it does without one; nothing waits on it for long (a stalled pull is abandoned).
import type Docker from 'dockerode';
import { authFor, pullImage } from './pull.ts';

export const REGISTRY_KEY_LABEL = 'org.swe-forge.registry-key';

export function registryRef(registry: string, key: string): string {
  return `${registry.replace(/\/+$/, '')}/swe-forge-task:${key}`;
}

const splitName = (name: string) => {
  const at = name.lastIndexOf(':');
  return at > name.lastIndexOf('/')
    ? { repo: name.slice(0, at), tag: name.slice(at + 1) }
    : { repo: name, tag: 'latest' };
};

/** Pulls `ref` and tags it `name`; false (and a log line saying why) when the registry does not have it. */
export async function pullShared(
  docker: Docker,
  ref: string,
  name: string,
  o: { onLog?: (line: string) => void; stallSec?: number } = {},
): Promise<boolean> {
  try {
    await pullImage(docker, ref, { onLog: o.onLog, stallSec: o.stallSec ?? 60 });
  } catch (err) {
    const msg = (err as Error).message;
    const missing = /not found|manifest unknown/i.test(msg);
    o.onLog?.(
      missing ? `registry: ${ref} is not there yet; building it here` : `registry unavailable (${msg}); building here`,
    );
    return false;
  }
  await docker.getImage(ref).tag(splitName(name));
  o.onLog?.(`registry: pulled ${ref} (not built here)`);
  return true;
}

/** Pushes the image `name` as `ref`; a failed push is logged, never fatal (the image works on this host). */
export async function pushShared(
  docker: Docker,
  name: string,
  ref: string,
  o: { onLog?: (line: string) => void } = {},
): Promise<boolean> {
  try {
    await docker.getImage(name).tag(splitName(ref));
    const info = (await docker.info().catch(() => ({}))) as { IndexServerAddress?: string };
    const authconfig = authFor(ref, info.IndexServerAddress);
    // The engine refuses a push without an X-Registry-Auth header, even to a registry that needs none.
    const stream = await docker.getImage(ref).push({ authconfig: authconfig ?? {} });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
        const failed = out?.find((e) => e.error);
        if (err || failed) reject(err ?? new Error(failed!.error));
        else resolve();
      }),
    );
    o.onLog?.(`registry: pushed ${ref}`);
    return true;
  } catch (err) {
    o.onLog?.(`registry: push of ${ref} failed (${(err as Error).message}); the image stays on this host only`);
    return false;
  }
}
