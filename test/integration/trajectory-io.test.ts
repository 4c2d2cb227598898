// `swe-forge import trajectories` and `export trajectories` against a real Postgres and artifact store: files of
// another agent become rollout rows whose trajectories the SFT dataset builder takes like the run's own, and a
// run's rollouts come back out as files of each format (plus preds.json).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTrajectory } from '../../activities/export/trajectoryFormats.ts';
import { createSftDatasetActivities } from '../../activities/pipeline/sftDataset.ts';
import { parseRunConfig } from '../../config/load.ts';
import { loadSettings } from '../../infra/settings.ts';
import { PATCH, nativeTrajectory } from '../fixtures/exportTrajectories.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

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
    writeFileSync(mini, JSON.stringify(exportTrajectory(nativeTrajectory(), info, 'mini-swe-agent')));
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
});
