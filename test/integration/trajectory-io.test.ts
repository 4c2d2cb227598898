// `swe-forge import trajectories` and `export trajectories` against a real Postgres and artifact store: files of
// another agent become rollout rows whose trajectories the SFT dataset builder takes like the run's own, and a
// run's rollouts come back out as files of each format (plus preds.json).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTrajectory } from '../../activities/export/trajectoryFormats.ts';
import { readTrajectory } from '../../activities/trajectory/store.ts';
import { createSftDatasetActivities } from '../../activities/pipeline/sftDataset.ts';
import { parseRunConfig } from '../../config/load.ts';
import { loadSettings } from '../../infra/settings.ts';
import { PATCH, nativeTrajectory } from '../fixtures/exportTrajectories.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';

let stack: TestStack;
let env: NodeJS.ProcessEnv;
const RUN = 'imported-1';

const cli = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
    execFile(process.execPath, [resolve('bin/swe-forge.mjs'), ...args], { env }, (err, stdout, stderr) =>
      done({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    ),
  );

beforeAll(async () => {
  stack = await startTestStack({ temporal: false, prefix: 'trajectory-io' });
  env = { ...process.env, DATABASE_URL: stack.pg!.url, SWE_FORGE_DATA: stack.dir };
}, 300_000);
afterAll(async () => {
  const pgDir = stack?.pg?.dataDir;
  await stack?.stop();
  if (pgDir) rmSync(pgDir, { recursive: true, force: true });
});

describe('import trajectories', () => {
  it('other agents’ files become resolved rollouts that the SFT dataset takes', async () => {
    const info = { instanceId: 'x', model: 'm', patch: PATCH, exitStatus: 'submitted' };
    const dir = join(stack.dir, 'in');
    mkdirSync(dir, { recursive: true });
    const mini = join(dir, 'fixture__calc-1.traj.json');
    const miniInfo = { ...info, instanceId: 'fixture__calc-1' }; // mini-swe-agent 2.x files name their instance
    writeFileSync(mini, JSON.stringify(exportTrajectory(nativeTrajectory(), miniInfo, 'mini-swe-agent')));
    const swe = join(dir, 'fixture__calc-2.traj');
    writeFileSync(swe, JSON.stringify(exportTrajectory(nativeTrajectory(), info, 'swe-agent')));
    const report = join(dir, 'report.json');
    writeFileSync(report, JSON.stringify({ resolved_ids: ['fixture__calc-2'] }));

    const a = await cli([
      'import',
      'trajectories',
      mini,
      '--format',
      'mini-swe-agent',
      '--run',
      RUN,
      '--resolved',
      '--json',
    ]);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ task: 'fixture__calc-1', outcome: 'resolved' });
    const b = await cli([
      'import',
      'trajectories',
      swe,
      '--format',
      'swe-agent',
      '--run',
      RUN,
      '--report',
      report,
      '--json',
    ]);
    expect(JSON.parse(b.stdout)).toMatchObject({ task: 'fixture__calc-2', outcome: 'resolved' });
    const bad = await cli(['import', 'trajectories', mini, '--format', 'openhands', '--run', RUN]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/list of events/);

    const { rows } = await stack.pool!.query(
      `select task_id, outcome, patch, trajectory_path from rollouts where run_id = $1 order by task_id`,
      [RUN],
    );
    expect(rows.map((r) => [r.task_id, r.outcome, r.patch === PATCH])).toEqual([
      ['fixture__calc-1', 'resolved', true],
      ['fixture__calc-2', 'resolved', true],
    ]);
    for (const r of rows) expect(existsSync(r.trajectory_path)).toBe(true);

    // The filter stage of the run: both imported trajectories are SFT rows, tools included.
    const settings = { ...loadSettings(), artifactsDir: join(stack.dir, 'artifacts') };
    const filter = parseRunConfig({ preset: 'swe-gym', name: 'imp' }).stages.filter;
    const summary = await createSftDatasetActivities({ pool: stack.pool!, settings }).buildSftDataset({
      runId: RUN,
      filter: { ...filter, keep: 'all', sources: ['distill'] },
      seed: 1,
    });
    expect(summary.rows).toBe(2);
    const lines = readFileSync(summary.path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0].tools).toHaveLength(4);
  }, 300_000);

  it('files the tools wrote (test/fixtures/foreign) become rollouts whose every call is answered', async () => {
    const run = 'imported-real';
    const foreign = resolve('test/fixtures/foreign');
    const dir = join(stack.dir, 'real');
    mkdirSync(dir, { recursive: true });
    // As the tools write them (output.jsonl unzipped); a .gz is read as it is.
    const plain = (f: string, name: string) => {
      writeFileSync(join(dir, name), gunzipSync(readFileSync(join(foreign, f))));
      return join(dir, name);
    };
    const mini = [plain('mini-swe-agent/calc__calc-1.traj.json.gz', 'calc__calc-1.traj.json')];
    mini.push(join(foreign, 'mini-swe-agent/calc__calc-2.traj.json.gz'));
    const swe = plain('swe-agent/calc__calc-4.traj.gz', 'calc__calc-4.traj');
    const output = plain('openhands/output.jsonl.gz', 'output.jsonl');
    const empty = plain('openhands/basic_interactions.json.gz', 'basic_interactions.json');
    const report = join(dir, 'report.json');
    writeFileSync(report, JSON.stringify({ resolved_ids: ['calc__calc-4', 'ponylang__ponyc-4595'] }));

    // A file without an action stops the whole import, naming it, before anything is stored.
    const good = plain('openhands/basic.json.gz', 'basic.json');
    const bad = await cli(['import', 'trajectories', good, empty, '--format', 'openhands', '--run', run]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${empty}: no action found`);
    const none = await stack.pool!.query(`select count(*)::int as n from rollouts where run_id = $1`, [run]);
    expect(none.rows[0].n).toBe(0);

    const imports = [
      [...mini, '--format', 'mini-swe-agent', '--resolved'],
      [swe, '--format', 'swe-agent', '--report', report],
      [output, '--format', 'openhands', '--report', report],
    ];
    for (const args of imports) {
      const r = await cli(['import', 'trajectories', ...args, '--run', run, '--json']);
      expect(r.code, r.stderr).toBe(0);
    }
    const { rows } = await stack.pool!.query(
      `select task_id, outcome, patch, trajectory_path from rollouts where run_id = $1 order by task_id`,
      [run],
    );
    expect(rows.map((r) => [r.task_id, r.outcome])).toEqual([
      ['calc__calc-1', 'resolved'],
      ['calc__calc-2', 'resolved'],
      ['calc__calc-4', 'resolved'],
      ['ponylang__ponyc-4593', 'unresolved'],
      ['ponylang__ponyc-4595', 'resolved'],
    ]);
    for (const r of rows) {
      expect(r.patch).toMatch(/^\n?diff --git/);
      const messages = readTrajectory(r.trajectory_path);
      const ids = messages.flatMap((m) => m.tool_calls ?? []).map((c) => c.id);
      expect(ids.length).toBeGreaterThan(2);
      expect(
        messages
          .filter((m) => m.role === 'tool')
          .map((m) => m.tool_call_id)
          .sort(),
      ).toEqual([...ids].sort());
    }

    // The run's filter stage takes the four resolved ones as SFT rows.
    const settings = { ...loadSettings(), artifactsDir: join(stack.dir, 'artifacts') };
    const filter = parseRunConfig({ preset: 'swe-gym', name: 'imp' }).stages.filter;
    const summary = await createSftDatasetActivities({ pool: stack.pool!, settings }).buildSftDataset({
      runId: run,
      filter: { ...filter, keep: 'all', sources: ['distill'] },
      seed: 1,
    });
    expect(summary.rows).toBe(4);
  }, 300_000);

  it('export trajectories writes one file per rollout in the tool’s layout, and preds.json', async () => {
    const out = join(stack.dir, 'out');
    const r = await cli(['export', 'trajectories', RUN, '--format', 'swe-agent', '--out', out, '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ trajectories: 2 });
    const traj = JSON.parse(
      readFileSync(join(out, 'fixture__calc-2.distill.0', 'fixture__calc-2.distill.0.traj'), 'utf8'),
    );
    expect(traj.info.submission).toBe(PATCH);
    const preds = JSON.parse(readFileSync(join(out, 'preds.json'), 'utf8'));
    expect(preds['fixture__calc-1.distill.0']).toMatchObject({ instance_id: 'fixture__calc-1', model_patch: PATCH });
  });

  it('two rollouts of one instance: one predictions file per sample, so the harness keeps both', async () => {
    const again = join(stack.dir, 'in', 'again', 'fixture__calc-1.traj.json');
    mkdirSync(join(again, '..'), { recursive: true });
    const info = { instanceId: 'fixture__calc-1', model: 'm', patch: PATCH, exitStatus: 'submitted' };
    writeFileSync(again, JSON.stringify(exportTrajectory(nativeTrajectory(), info, 'mini-swe-agent')));
    const imp = await cli([
      'import',
      'trajectories',
      again,
      '--format',
      'mini-swe-agent',
      '--run',
      RUN,
      '--stage',
      'rl',
    ]);
    expect(imp.code).toBe(0);
    const out = join(stack.dir, 'out-samples');
    const r = await cli(['export', 'trajectories', RUN, '--format', 'swe-agent', '--out', out, '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ predictions: ['preds.sample-0.json', 'preds.sample-1.json'] });
    expect(existsSync(join(out, 'preds.json'))).toBe(false);
    const files = ['preds.sample-0.json', 'preds.sample-1.json'].map((f) =>
      Object.values(JSON.parse(readFileSync(join(out, f), 'utf8')) as { instance_id: string }[]).map(
        (p) => p.instance_id,
      ),
    );
    expect(files).toEqual([['fixture__calc-1', 'fixture__calc-2'], ['fixture__calc-1']]);
  });
});
