// The report's per-repository / per-instance tables, GRPO diagnostics and trajectory index, `swe-forge compare` and
// the RL lines of plain `swe-forge status`, on two FAKE runs seeded straight into a real (embedded) Postgres: no
// pipeline ran; the rows stand in for what the stages write. The index's filters are checked in headless Chromium.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../activities/report/index.ts';
import { rlStatus, rlStatusLines } from '../../cli/rlStatus.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';

let stack: TestStack;
let artifactsDir: string;
const ids: number[] = [];
const q = (sql: string, args: unknown[]) => stack.pool!.query(sql, args);

async function rollout(run: string, stage: string, task: string, sample: number, reward: number | null, traj?: string) {
  const masked = reward === null;
  const { rows } = await q(
    `insert into rollouts (run_id, stage, task_id, sample, model, turns, exit_reason, outcome, reward, masked, mask_reason, trajectory_path)
     values ($1, $2, $3, $4, 'fake-model', 3, $5, $6, $7, $8, $9, $10) returning id`,
    [
      run,
      stage,
      task,
      sample,
      masked ? 'infra_error' : 'submitted',
      masked ? 'infra_error' : reward === 1 ? 'resolved' : 'unresolved',
      reward,
      masked,
      masked ? 'container_start_failed' : null,
      traj ?? null,
    ],
  );
  ids.push(Number(rows[0].id));
}

const grpo = {
  loss: 0.1234,
  clip_fraction: 0.125,
  ratio_mean: 1.01,
  ratio_max: 1.5,
  approx_kl: 0.00123,
  grad_norm: 0.9,
};
const DJ = 'django__django-11099';
const AS = 'astropy__astropy-12907';

beforeAll(async () => {
  stack = await startTestStack({ temporal: false, prefix: 'report-compare' });
  artifactsDir = join(stack.dir, 'artifacts');
  const runs: [string, unknown][] = [
    ['cmp-a', { name: 'a', stages: { rl: { groupSize: 2, iterations: 2 } }, training: { lr: 1e-5 } }],
    ['cmp-b', { name: 'b', stages: { rl: { groupSize: 2, iterations: 1 } }, training: { lr: 2e-5 } }],
  ];
  for (const [id, config] of runs)
    await q(`insert into runs (run_id, recipe, config, status) values ($1, 'swe-master', $2, 'completed')`, [
      id,
      config,
    ]);
  await q(`insert into tasks (instance_id, repo, base_commit, data) values ($1, 'django/django', 'abc', '{}')`, [DJ]);
  const dir = join(artifactsDir, 'fake');
  mkdirSync(dir, { recursive: true });
  const traj = join(dir, 'long.jsonl');
  const long = Array.from({ length: 120 }, (_, i) => `file_${i}.py`).join('\n');
  const messages = [
    { role: 'user', content: 'fix it' },
    { role: 'tool', content: 'short observation', tool_call_id: 'c0' },
    { role: 'tool', content: long, tool_call_id: 'c1' },
  ];
  writeFileSync(traj, messages.map((m) => JSON.stringify(m)).join('\n'));
  // cmp-a: iteration 1 = samples 0-1 (django mixed 1/0, astropy 0/0), iteration 2 = samples 2-3 (one masked).
  for (const [task, sample, reward] of [
    [DJ, 0, 1],
    [DJ, 1, 0],
    [AS, 0, 0],
    [AS, 1, 0],
    [DJ, 2, 0],
    [DJ, 3, null],
  ] as const)
    await rollout('cmp-a', 'rl', task, sample, reward);
  await rollout('cmp-a', 'distill', 'mini-1', 0, 1, traj);
  // Two TTS candidates of one task: the verifier ranks the resolved one first (TTS@2 = 1, TTS@1 = Pass@1 = 0.5).
  for (const [sample, reward, score] of [
    [0, 1, 0.9],
    [1, 0, 0.2],
  ]) {
    await rollout('cmp-a', 'tts', DJ, sample!, reward!);
    await q(
      `insert into verifier_scores (rollout_id, backend, verifier, run_id, score) values ($1, 'onnx', 'fake', 'cmp-a', $2)`,
      [ids.at(-1), score],
    );
  }
  await rollout('cmp-b', 'rl', DJ, 0, 1);
  await rollout('cmp-b', 'rl', DJ, 1, 1);
  await q(
    `insert into rl_iterations (run_id, iteration, checkpoint_id, served_checkpoint, mean_reward, resolved_rate, masked, mean_turns, metrics)
     values ('cmp-a', 1, 'cmp-a/rl/iter-1/step-1', 'sft-final', 0.25, 0.25, 0, 3, $1),
            ('cmp-a', 2, 'cmp-a/rl/iter-1/step-1', 'cmp-a/rl/iter-1/step-1', 0, 0, 1, 3, $2),
            ('cmp-b', 1, 'cmp-b/rl/iter-1/step-1', 'base', 1, 1, 0, 3, $3)`,
    [
      { groups: 2, contributingGroups: 2, zeroVarianceGroups: 1, stepSkipped: 0, grpo },
      { groups: 1, contributingGroups: 0, zeroVarianceGroups: 0, stepSkipped: 1 },
      { groups: 1, contributingGroups: 1, zeroVarianceGroups: 1, stepSkipped: 1 },
    ],
  );
});
afterAll(async () => stack?.stop());

describe('report sections', () => {
  let md: string;
  let dir: string;
  beforeAll(async () => {
    const ref = await writeReport({ pool: stack.pool!, settings: { artifactsDir } }, { runId: 'cmp-a' });
    md = readFileSync(ref.reportPath, 'utf8');
    dir = join(ref.reportPath, '..');
  });

  it('has GRPO diagnostics per iteration with the trainer figures it logged', () => {
    expect(md).toContain('## GRPO diagnostics');
    expect(md).toContain(
      '| 1 | sft-final | cmp-a/rl/iter-1/step-1 | 0.25 | 25.0 % | 2 | 2 | 1 | no | 0.1234 | 12.5 % | 1.01 | 1.5 | 0.00123 | 0.9 |',
    );
    expect(md).toContain('| 2 | cmp-a/rl/iter-1/step-1 | cmp-a/rl/iter-1/step-1 | 0 | 0.0 % | 1 | 0 | 0 | yes | — |');
    expect(md).toContain('| KL (old‖new) |');
    expect(md).not.toContain('KL (sampler‖trainer)'); // never logged in this run: no empty column
    expect(md).toContain('Entropy: not logged by the trainer for this run.');
  });

  it('has per-repository and per-instance tables (repo from the task store, else from the instance id)', () => {
    // django: 4 rl samples, 1 masked, 1 resolved of 3 scored; astropy (not in the task store): 0 of 2.
    expect(md).toContain('| django/django | rl | 1 | 4 | 1 | 1 | 33.3 % | 0.333 |');
    expect(md).toContain('| astropy/astropy | rl | 1 | 2 | 0 | 0 | 0.0 % | 0 |');
    expect(md).toContain('| (unknown) | distill | 1 | 1 | 0 | 1 | 100.0 % | 1 |');
    expect(md).toContain(`| ${DJ} | rl | 4 | 1 | 1 | 33.3 % | 0.333 |`);
    const perInstance = JSON.parse(readFileSync(join(dir, 'per-instance.json'), 'utf8'));
    expect(perInstance).toHaveLength(4);
  });

  it('indexes every rollout and filters it by stage, outcome and task in Chromium; long observations collapse', async () => {
    expect(md).toContain('[trajectory index](trajectories/index.html)');
    const index = readFileSync(join(dir, 'trajectories', 'index.html'), 'utf8');
    expect(index).toContain('9 rollouts; 1 with a viewer page');
    expect(index).not.toMatch(/<script/i);
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(`file://${join(dir, 'trajectories', 'index.html')}`);
      const visible = () => page.locator('tbody tr:visible').count();
      expect(await visible()).toBe(9);
      await page.selectOption('#f-s', { label: 'rl (6)' });
      expect(await visible()).toBe(6);
      await page.selectOption('#f-o', { label: 'resolved (3)' });
      expect(await visible()).toBe(1); // rl and resolved
      await page.selectOption('#f-s', { label: 'all' });
      await page.selectOption('#f-t', { label: 'mini-1 (1)' });
      expect(await visible()).toBe(1);
      await page.locator('tbody tr:visible a').click();
      await page.waitForURL(/rollout-\d+\.html$/);
      expect(await page.getByText('short observation').isVisible()).toBe(true);
      expect(await page.getByText('file_100.py').isVisible()).toBe(false); // collapsed
      await page.getByText('show all 120 lines').click();
      expect(await page.getByText('file_100.py').isVisible()).toBe(true);
    } finally {
      await browser.close();
    }
  });
});

describe('swe-forge compare / status RL lines', () => {
  const exec = promisify(execFile);
  const cli = (args: string[]) =>
    exec(process.execPath, ['bin/swe-forge.mjs', ...args], {
      env: { ...process.env, DATABASE_URL: stack.pg!.url, SWE_FORGE_ARTIFACTS: artifactsDir, NO_COLOR: '1' },
    });

  it('prints config differences, stages, RL per iteration side by side (--json)', async () => {
    const { stdout } = await cli(['compare', 'cmp-a', 'cmp-b', '--json']);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const c = JSON.parse(stdout);
    expect(c.runs.map((r: { runId: string }) => r.runId)).toEqual(['cmp-a', 'cmp-b']);
    expect(c.config).toEqual([
      { path: 'name', values: ['a', 'b'] },
      { path: 'stages.rl.iterations', values: [2, 1] },
      { path: 'training.lr', values: [1e-5, 2e-5] },
    ]);
    const rl = c.stages.find((s: { stage: string }) => s.stage === 'rl');
    expect(rl.values[0]).toMatchObject({ rollouts: 6, masked: 1, resolved: 1, resolvedRate: 0.2 });
    expect(rl.values[1]).toMatchObject({ rollouts: 2, resolved: 2, resolvedRate: 1 });
    expect(c.stages.find((s: { stage: string }) => s.stage === 'distill').values[1]).toBeNull();
    expect(c.rl[1]).toMatchObject({ iteration: 2, values: [{ meanReward: 0 }, null] });
    expect(c.tts).toEqual([
      { k: 1, values: [{ tts: 0.5, passK: 0.5, tasks: 1 }, null] },
      { k: 2, values: [{ tts: 1, passK: 1, tasks: 1 }, null] },
    ]);
  });

  it('prints a plain table with one column per run', async () => {
    const { stdout } = await cli(['compare', 'cmp-a', 'cmp-b']);
    expect(stdout).toMatch(/^path +cmp-a +cmp-b$/m);
    expect(stdout).toMatch(/^training\.lr +0\.00001 +0\.00002$/m);
    expect(stdout).toMatch(/^rl +20\.0 % \/ 0\.2 \/ 6, 1 masked +100\.0 % \/ 1 \/ 2, 0 masked$/m);
    expect(stdout).toMatch(/^2 +100\.0 % \/ 100\.0 %, 1 +—$/m); // TTS@2 / Pass@2
  });

  it('exits 2 naming every unknown run', async () => {
    const err = await cli(['compare', 'cmp-a', 'nope', 'nada']).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr).toContain('no run "nope", "nada" in the database');
  });

  it('gives plain `status` one line per RL iteration: served, produced, reward', async () => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = stack.pg!.url;
    try {
      expect(rlStatusLines(await rlStatus('cmp-a'))).toEqual([
        'rl iteration 1: served sft-final -> produced cmp-a/rl/iter-1/step-1  reward 0.250  resolved 25.0%',
        'rl iteration 2: served cmp-a/rl/iter-1/step-1 -> produced cmp-a/rl/iter-1/step-1 (step skipped)  reward 0.000  resolved 0.0%',
      ]);
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });
});
