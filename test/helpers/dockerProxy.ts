// A unix-socket proxy in front of the shared Docker engine, so a test can make "the engine" go away (drop every
// connection and refuse new ones) or stop answering (hold connections, forward nothing) without touching the
// dockerd other engineers use.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';

export interface DockerProxy {
  docker: Docker;
  /** Drop every open connection and refuse new ones until up(). */
  down(): void;
  /** Keep connections open but forward nothing until up(). */
  freeze(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startDockerProxy(target = '/var/run/docker.sock'): Promise<DockerProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'swe-forge-proxy-'));
  const path = join(dir, 'docker.sock');
  let mode: 'up' | 'down' | 'frozen' = 'up';
  const open = new Set<net.Socket>();
  // Half-open connections pass through: a client ends its stdin (attach) and still reads the output.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    if (mode === 'down') return void client.destroy();
    const upstream = net.connect({ path: target, allowHalfOpen: true });
    open.add(client).add(upstream);
    const forget = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d) => mode === 'up' && upstream.write(d));
    upstream.on('data', (d) => mode === 'up' && client.write(d));
    client.on('close', forget).on('error', forget);
    upstream.on('close', forget).on('error', forget);
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const dropAll = () => {
    for (const s of open) s.destroy();
    open.clear();
  };
  return {
    docker: new Docker({ socketPath: path }),
    down() {
      mode = 'down';
      dropAll();
    },
    freeze() {
      mode = 'frozen';
    },
    up() {
      mode = 'up';
    },
    async close() {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
