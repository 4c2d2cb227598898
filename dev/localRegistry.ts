// A real local image registry for tests and benches: Debian's `docker-registry` (installed by
// infra/bootstrap.sh --test) serving a temporary folder on 127.0.0.1 (the engine treats loopback registries as
// insecure-allowed, so no TLS is needed).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../infra/net.ts';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface LocalRegistry {
  /** host:port, as image names use it. */
  address: string;
  stop(): void;
}

export async function startLocalRegistry(dir: string): Promise<LocalRegistry> {
  if (!existsSync(REGISTRY_BIN)) throw new Error(`${REGISTRY_BIN} is missing (run bash infra/bootstrap.sh --test)`);
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const p: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/v2/`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { address: `127.0.0.1:${port}`, stop: () => void p.kill('SIGTERM') };
    await new Promise((r) => setTimeout(r, 100));
  }
  p.kill('SIGKILL');
  throw new Error(`docker-registry did not answer on 127.0.0.1:${port} within 10 s`);
}
