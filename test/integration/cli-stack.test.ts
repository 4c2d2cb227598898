// `swe-forge up --detach` / `down` as a user runs them: real dev server + UI, embedded Postgres, worker processes.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { freePort } from '../../infra/net.ts';
import { isAlive } from '../../infra/stack.ts';
import { temporalBinary } from '../../infra/temporal.ts';
import { testDataDir } from '../../dev/stack.ts';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'swe-forge.mjs');
const dir = testDataDir('cli');
let env: NodeJS.ProcessEnv;

const cli = (args: string[]) => run(process.execPath, [BIN, ...args], { env, timeout: 200_000 });

afterAll(async () => {
  await cli(['down']).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('swe-forge up / down', () => {
  it('brings the stack up detached, answers on Temporal and the UI, and stops cleanly', async () => {
    const [port, uiPort, pgPort] = [await freePort(), await freePort(), await freePort()];
    env = {
      ...process.env,
      SWE_FORGE_DATA: dir,
      SWE_FORGE_TEMPORAL_PORT: String(port),
      SWE_FORGE_TEMPORAL_UI_PORT: String(uiPort),
      SWE_FORGE_PG_PORT: String(pgPort),
    };
    delete env.TEMPORAL_ADDRESS;
    delete env.DATABASE_URL;
    const up = await cli(['up', '--detach', '--json']);
    const state = JSON.parse(up.stdout.trim().split('\n').pop()!);
    expect(state.temporalAddress).toBe(`127.0.0.1:${port}`);
    expect(state.uiUrl).toBe(`http://127.0.0.1:${uiPort}`);
    expect(state.workers.map((w: { role: string }) => w.role).sort()).toEqual(['gpu', 'orchestrator', 'rollout']);

    const list = await run(temporalBinary(), ['workflow', 'list', '--address', `127.0.0.1:${port}`]);
    expect(list.stderr).not.toMatch(/error/i);
    const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
    expect(ui.status).toBe(200);

    // A second `up` finds the running stack instead of starting another.
    const again = await cli(['up', '--detach', '--json']);
    expect(JSON.parse(again.stdout.trim().split('\n').pop()!).pid).toBe(state.pid);

    // A worker killed with SIGKILL is restarted by `up`, and the restart is recorded.
    const rollout = state.workers.find((w: { role: string }) => w.role === 'rollout');
    process.kill(rollout.pid, 'SIGKILL');
    const stateFile = join(dir, 'stack.json');
    let after: { workers: { role: string; pid: number; restarts: number; lastExit?: { signal: string } }[] } = state;
    for (let i = 0; i < 300; i++) {
      after = JSON.parse(readFileSync(stateFile, 'utf8'));
      if (after.workers.find((w) => w.role === 'rollout')?.restarts === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const restarted = after.workers.find((w) => w.role === 'rollout')!;
    expect(restarted).toMatchObject({ restarts: 1, lastExit: { signal: 'SIGKILL' } });
    expect(restarted.pid).not.toBe(rollout.pid);
    expect(isAlive(restarted.pid)).toBe(true);
    expect(readFileSync(join(dir, 'logs', 'up.log'), 'utf8')).toMatch(/worker rollout .* exited unexpectedly/);

    const down = await cli(['down', '--json']);
    expect(JSON.parse(down.stdout.trim())).toMatchObject({ stopped: true, pid: state.pid });
    // `down` returns only when every process `up` started has exited.
    expect(state.temporalPid).toBeGreaterThan(0);
    expect(state.postgresPid).toBeGreaterThan(0);
    for (const pid of [state.pid, state.temporalPid, state.postgresPid, restarted.pid])
      expect(isAlive(pid)).toBe(false);
    for (const w of after.workers) expect(isAlive(w.pid)).toBe(false);
    await expect(fetch(`http://127.0.0.1:${uiPort}/`)).rejects.toThrow();
  });

  it('config check exits 0 on a preset and 2 with the dotted path on a bad file', async () => {
    const ok = await cli(['config', 'check', 'config/presets/demo.yaml', '--json']);
    expect(JSON.parse(ok.stdout).config.name).toBe('demo');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'preset: demo\nstages:\n  rl:\n    groupSize: one\n');
    const err = await cli(['config', 'check', bad]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(2);
    expect(err?.stderr).toMatch(/stages\.rl\.groupSize: .*expected number, received string/);
  });
});

describe('docker-compose.yml', () => {
  it('is a valid Compose file with the production-like services', async () => {
    const { stdout } = await run('docker-compose', ['-f', 'docker-compose.yml', 'config']);
    const cfg = parse(stdout) as { services: Record<string, unknown>; volumes: Record<string, unknown> };
    expect(Object.keys(cfg.services).sort()).toEqual(
      [
        'gpu',
        'orchestrator',
        'postgresql',
        'rollout',
        'temporal',
        'temporal-register',
        'temporal-schema',
        'temporal-ui',
      ].sort(),
    );
    expect(cfg.volumes).toHaveProperty('pgdata');
  });
});
