// The `swe-forge` command's edges, as a user meets them (separate processes; nothing here needs a service):
// --version, usage errors exit 2, numeric flags checked while parsing and named, config check running the
// checks `run` runs, and relative task files resolved against the config file's folder.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { green, useColour } from '../../../cli/colour.ts';
import { intFlag, secondsFlag } from '../../../cli/flags.ts';
import { CONFIG_CHECKS } from '../../../cli/preflight/checks.ts';
import { loadRunConfig } from '../../../config/load.ts';

const BIN = resolve('bin/swe-forge.mjs');
// No database, Docker or Temporal is reachable at these: a command that got past its flags fails differently.
const env = { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', NO_COLOR: '1' };

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('flag parsers', () => {
  it('integers: rejects words, fractions and values below the minimum', () => {
    expect(intFlag(1)('4')).toBe(4);
    for (const bad of ['abc', '2.5', '0', '', '4x']) expect(() => intFlag(1)(bad)).toThrow(/integer >= 1/);
    expect(() => intFlag(0, 10)('11')).toThrow(/from 0 to 10/);
  });

  it('durations: seconds or s/m/h', () => {
    expect(secondsFlag()('900')).toBe(900);
    expect(secondsFlag()('15m')).toBe(900);
    expect(secondsFlag()('1h')).toBe(3600);
    expect(secondsFlag()('30s')).toBe(30);
    for (const bad of ['15x', 'm', '-5', '0', '1.5h']) expect(() => secondsFlag()(bad)).toThrow(/seconds/);
  });
});

describe('colour', () => {
  it('only on a TTY, never with NO_COLOR, FORCE_COLOR overrides the TTY check', () => {
    expect(useColour({ isTTY: true }, {})).toBe(true);
    expect(useColour({ isTTY: false }, {})).toBe(false);
    expect(useColour({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColour({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
    expect(useColour({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(green('ok', { isTTY: false })).toBe('ok');
  });
});

describe('swe-forge', () => {
  it('--version prints the package version and exits 0', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const r = await cli('--version');
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('npx runs the local command directly: node_modules/.bin/swe-forge is the entry point (the prepare script)', () => {
    // Without this link `npx swe-forge` resolves the name as a package through npm's whole tree (0.5–0.8 s more).
    expect(realpathSync('node_modules/.bin/swe-forge')).toBe(realpathSync(BIN));
  });

  it('--help lists every command group without loading them', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    for (const c of ['up', 'run', 'status', 'list', 'tasks', 'evaluate', 'config', 'report', 'trajectory', 'schedule'])
      expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });

  it('usage errors exit 2: an unknown option, an unknown command, a missing argument, no command', async () => {
    expect((await cli('tasks', 'build', '--bogus')).code).toBe(2);
    const unknown = await cli('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    expect((await cli('status')).code).toBe(2);
    expect((await cli()).code).toBe(2);
  });

  it('a bad numeric flag exits 2 naming the flag, before any work starts', async () => {
    const r = await cli('tasks', 'build', '--concurrency', 'abc');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--concurrency <n>' argument 'abc' is invalid/);
    const t = await cli('evaluate', '--predictions', 'x.jsonl', '--timeout', '15x');
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/--timeout <sec>' argument '15x' is invalid/);
    expect(t.stderr).not.toMatch(/ZodError/);
  });

  it('--timeout 15m is accepted (the command goes on to read its predictions file)', async () => {
    const r = await cli('evaluate', '--predictions', '/nonexistent/p.jsonl', '--timeout', '15m');
    expect(r.stderr).not.toMatch(/--timeout/);
    expect(r.stderr).toMatch(/p\.jsonl/);
  });
});

describe('config check runs what run runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfgcheck-'));

  it('the check list has the cross-stage rules and the task file', () => {
    expect(CONFIG_CHECKS.map((c) => c.name)).toEqual(expect.arrayContaining(['stages', 'tasks.file']));
  });

  it('refuses a tasks.file that does not exist, resolved against the config folder', async () => {
    const f = join(dir, 'missing.yaml');
    writeFileSync(f, 'preset: demo\nname: x\ntasks:\n  file: nope.jsonl\n');
    const r = await cli('config', 'check', f);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`tasks.file: ${join(dir, 'nope.jsonl')} does not exist`);
  });

  it('refuses what only the cross-stage rules catch (a teacher-less distill stage)', async () => {
    const f = join(dir, 'noteacher.yaml');
    writeFileSync(f, 'preset: demo\nname: x\nmodels:\n  teachers: []\n');
    const r = await cli('config', 'check', f);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/models\.teachers: distillation needs at least one teacher/);
  });

  it('a task file next to the config: relative to the folder, absolute when outside the repository', async () => {
    writeFileSync(join(dir, 'mine.jsonl'), '{"instance_id":"a"}\n');
    const f = join(dir, 'ok.yaml');
    writeFileSync(f, 'preset: demo\nname: x\ntasks:\n  file: mine.jsonl\n');
    expect(loadRunConfig(f).tasks.file).toBe(join(dir, 'mine.jsonl'));
    const r = await cli('config', 'check', f, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, config: { tasks: { file: join(dir, 'mine.jsonl') } } });
    // Presets are files too: theirs is written relative to config/presets and handed on relative to the repo.
    expect(loadRunConfig('config/presets/demo.yaml').tasks.file).toBe('tasks/mini/tasks.jsonl');
  });
});
