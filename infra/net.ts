import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago (the OS picks it). Another process may take it before the caller binds it:
 * whoever starts a server on it must be ready to start again on a fresh one (startDevServer does).
 */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/**
 * Whether process `pid` (or a process it started: a wrapper script may fork) holds the listening TCP socket on
 * `port`; tells our server from another one answering on the same port. Linux /proc; undefined where it cannot tell.
 */
export function listensOn(pid: number, port: number): boolean | undefined {
  const tables = ['/proc/net/tcp', '/proc/net/tcp6'].filter((f) => existsSync(f));
  if (!tables.length || !existsSync(`/proc/${pid}`)) return undefined;
  const inodes = new Set<string>();
  for (const row of tables.flatMap((f) => readFileSync(f, 'utf8').split('\n').slice(1))) {
    // sl local_address rem_address st ... inode: state 0A is LISTEN, the port is the local address's hex tail.
    const cols = row.trim().split(/\s+/);
    if (cols[3] === '0A' && parseInt(cols[1]?.split(':')[1] ?? '', 16) === port && cols[9]) inodes.add(cols[9]);
  }
  return [pid, ...descendants(pid)].some((p) => {
    try {
      return readdirSync(`/proc/${p}/fd`).some((fd) => {
        try {
          return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${p}/fd/${fd}`))?.[1] ?? '');
        } catch {
          return false; // closed while we looked
        }
      });
    } catch {
      return false; // gone, or not ours to read
    }
  });
}

function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited while we looked
    }
  }
  const out: number[] = [];
  for (let frontier = [root]; frontier.length;) {
    frontier = [...parent].filter(([, pp]) => frontier.includes(pp)).map(([p]) => p);
    out.push(...frontier);
  }
  return out;
}

/** Polls `probe` until it returns a value; gives up at the deadline, or at once when `signal` aborts (its reason). */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    signal?.throwIfAborted();
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
