// Start-up that cannot race (issue 21): a free port picked for the Temporal dev server may be taken by another
// process before the server binds it, and the CLI's default UI port (port + 1000) was never reserved at all. The
// dev server starts anyway, on ports it reports; a server of someone else's on our port never passes for ours.
// The test stack's embedded Postgres likewise picks again rather than fail or reuse another suite's server.
import { createServer, type Server } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { freePort, listensOn } from '../../infra/net.ts';
import type * as Net from '../../infra/net.ts';
import type { EmbeddedPg } from '../../infra/postgres.ts';
import { startDevServer, type DevServer } from '../../infra/temporal.ts';
import { startTestPostgres, testDataDir } from '../../dev/stack.ts';

// Ports freePort hands out before it asks the OS: a test makes "picked, then taken by someone else" happen on cue.
const handOut = vi.hoisted(() => [] as number[]);
vi.mock('../../infra/net.ts', async (importOriginal) => {
  const real = await importOriginal<typeof Net>();
  return { ...real, freePort: async () => handOut.shift() ?? real.freePort() };
});

const dir = mkdtempSync(join(tmpdir(), 'swe-forge-ports-'));
const held: Server[] = [];
const servers: (DevServer | EmbeddedPg)[] = [];
const dirs = [dir];
afterAll(async () => {
  for (const s of servers) {
    await s.stop();
    if ('dataDir' in s) rmSync(s.dataDir, { recursive: true, force: true }); // as root, outside its dir
  }
  for (const h of held) h.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Listens on `port` (0: any) as "another process" would. */
function hold(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => {
      held.push(srv);
      resolve((srv.address() as { port: number }).port);
    });
  });
}

const answers = async (url: string) => (await fetch(url)).status;

describe('dev server start-up', () => {
  it('starts while port + 1000 (the CLI default UI port) is taken, and says which UI port it took', async () => {
    const port = await freePort();
    await hold(port + 1000);
    const dev = await startDevServer({ dataDir: join(dir, 'ui'), port, logFile: join(dir, 'ui.log') });
    servers.push(dev);
    expect(dev.address).toBe(`127.0.0.1:${port}`);
    expect(dev.ports.ui).not.toBe(port + 1000);
    expect(dev.uiUrl).toBe(`http://127.0.0.1:${dev.ports.ui}`);
    await vi.waitFor(async () => expect(await answers(dev.uiUrl!)).toBe(200), { timeout: 20_000, interval: 250 });
  });

  it('starts again on fresh ports when the picked front-end port is taken before it binds', async () => {
    const taken = await hold();
    handOut.push(taken);
    const dev = await startDevServer({ dataDir: join(dir, 'retry'), headless: true, logFile: join(dir, 'retry.log') });
    servers.push(dev);
    expect(handOut).toEqual([]); // the taken port was the first one picked
    expect(dev.ports.frontend).not.toBe(taken);
    expect(dev.address).toBe(`127.0.0.1:${dev.ports.frontend}`);
    expect(listensOn(dev.process.pid!, dev.ports.frontend)).toBe(true);
    expect(readFileSync(join(dir, 'retry.log'), 'utf8')).toContain(`port ${taken}: listen tcp`); // the first try's exit
  });

  it('listensOn tells the process holding a port from one that does not', async () => {
    const port = await hold();
    expect(listensOn(process.pid, port)).toBe(true);
    expect(listensOn(process.pid, await freePort())).toBe(false);
  });
});

describe('test stack Postgres start-up', () => {
  const pick = (first: number) => {
    const queue = [first];
    return async () => queue.shift() ?? freePort();
  };
  const portOf = (pg: EmbeddedPg) => Number(new URL(pg.url).port);
  const start = async (pickPort: () => Promise<number>) => {
    const d = testDataDir('ports');
    dirs.push(d);
    const pg = await startTestPostgres(d, pickPort);
    servers.push(pg);
    return pg;
  };

  it('starts on a fresh port when the picked one is taken', async () => {
    const taken = await hold();
    const pg = await start(pick(taken));
    expect([pg.started, portOf(pg) === taken]).toEqual([true, false]);
  });

  it("never reuses another suite's server that answers on the picked port", async () => {
    const other = await start(freePort);
    const pg = await start(pick(portOf(other)));
    expect([pg.started, portOf(pg) === portOf(other)]).toEqual([true, false]);
  });
});
