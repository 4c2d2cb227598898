// The run report from a FAKE run seeded straight into a real (embedded) Postgres: no pipeline ran; the rows below
// stand in for what the stages write. The report must draw every figure, decode as PNG at the documented size,
// and say in Markdown the numbers that were seeded.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../activities/report/index.ts';
import { recordTrainMetrics } from '../../activities/report/training.ts';
import { PNG_SIZE } from '../../activities/report/png.ts';
import { decodePng } from '../helpers/png.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';

const RUN = 'fake-report-run';
const FIGURES = ['difficulty', 'funnel', 'sft_loss', 'rl', 'masked', 'tts'];
let stack: TestStack;
let artifactsDir: string;
const ids: Record<string, number> = {};

async function rollout(
  key: string,
  r: {
    stage: string;
    task: string;
    sample: number;
    outcome: string | null;
    turns: number;
    masked?: string;
    trajectory?: string;
  },
) {
  const { rows } = await stack.pool!.query<{ id: string }>(
    `insert into rollouts (run_id, stage, task_id, sample, model, turns, exit_reason, outcome, reward, masked, mask_reason, patch, trajectory_path)
     values ($1, $2, $3, $4, 'fake-model', $5, $6, $7, $8, $9, $10, $11, $12) returning id`,
    [
      RUN,
      r.stage,
      r.task,
      r.sample,
      r.turns,
      r.masked ? 'infra_error' : 'submitted',
      r.masked ? 'infra_error' : r.outcome,
      r.masked ? null : r.outcome === 'resolved' ? 1 : 0,
      !!r.masked,
      r.masked ?? null,
      'diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-old <b>\n+new & improved\n',
      r.trajectory ?? null,
    ],
  );
  ids[key] = Number(rows[0]!.id);
}

beforeAll(async () => {
  stack = await startTestStack({ temporal: false, prefix: 'report' });
  artifactsDir = join(stack.dir, 'artifacts');
  const pool = stack.pool!;
  await pool.query(`insert into runs (run_id, recipe, config, status) values ($1, 'swe-master', $2, 'completed')`, [
    RUN,
    { name: 'fake-report', stages: { rl: { groupSize: 2 } } },
  ]);
  await pool.query(
    `insert into tasks (instance_id, repo, base_commit, data) values ('t1', 'mini/fake', 'abc1234', $1)`,
    [{ problem_statement: 'The <script>alert("x")</script> parser breaks' }],
  );
  await pool.query(
    `insert into stage_results (run_id, stage, summary) values ($1, 'filter', $2), ($1, 'difficulty', $3)`,
    [RUN, { candidates: 10, rows: 4, removed: { masked: 2, unresolved: 3, forced: 1 } }, { tasks: 6, mixed: 2 }],
  );
  const rates: [string, number, number][] = [
    ['a', 4, 0],
    ['b', 4, 0],
    ['c', 4, 1],
    ['d', 4, 2],
    ['e', 4, 4],
    ['f', 4, 4],
  ];
  for (const [task, n, c] of rates) {
    await pool.query(
      'insert into difficulty (run_id, task_id, n, c, masked, pass_rate) values ($1, $2, $3, $4, 0, $5)',
      [RUN, task, n, c, c / n],
    );
  }
  await recordTrainMetrics(pool, {
    runId: RUN,
    stage: 'sft',
    points: [3, 2.6, 2.2, 1.9, 1.7, 1.5].map((loss, i) => ({ step: i + 1, loss })),
  });
  await pool.query(
    `insert into checkpoints (id, run_id, stage, step, path, metrics) values ($1, $2, 'sft', 6, '/fake/ckpt', '{"loss": 1.5}')`,
    [`${RUN}/sft/step-6`, RUN],
  );
  await pool.query(
    `insert into rl_iterations (run_id, iteration, mean_reward, resolved_rate, masked, mean_turns) values ($1, 1, 0.25, 0.25, 1, 7.5), ($1, 2, 0.5, 0.5, 0, 6)`,
    [RUN],
  );
  const trajDir = join(artifactsDir, 'fake-trajectories');
  mkdirSync(trajDir, { recursive: true });
  const traj = join(trajDir, 'distill.jsonl');
  writeFileSync(
    traj,
    [
      { role: 'user', content: 'fix it' },
      {
        role: 'assistant',
        content: 'I will look <img src=x onerror=alert(1)>',
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'bash', arguments: '{"command":"ls"}' } }],
      },
      { role: 'tool', content: 'x.py\n</pre><script>alert(2)</script>', tool_call_id: 'c1' },
    ]
      .map((m) => JSON.stringify(m))
      .join('\n'),
  );
  await rollout('distillOk', {
    stage: 'distill',
    task: 't1',
    sample: 0,
    outcome: 'resolved',
    turns: 3,
    trajectory: traj,
  });
  await rollout('distillMasked1', {
    stage: 'distill',
    task: 't1',
    sample: 1,
    outcome: null,
    turns: 0,
    masked: 'docker_daemon_unreachable',
  });
  await rollout('distillMasked2', {
    stage: 'distill',
    task: 't1',
    sample: 2,
    outcome: null,
    turns: 0,
    masked: 'docker_daemon_unreachable',
  });
  await rollout('rlMasked', {
    stage: 'rl',
    task: 't1',
    sample: 0,
    outcome: null,
    turns: 0,
    masked: 'container_start_failed',
  });
  // TTS candidates: [score, resolved, turns] per task; hand-computed curves are asserted below.
  const tts: [string, number, boolean, number][] = [
    ['t1', 0.9, true, 5],
    ['t1', 0.2, false, 2],
    ['t1', 0.5, false, 3],
    ['t2', 0.8, false, 4],
    ['t2', 0.6, true, 6],
    ['t2', 0.1, true, 1],
  ];
  for (const [i, [task, score, resolved, turns]] of tts.entries()) {
    await rollout(`tts${i}`, { stage: 'tts', task, sample: i, outcome: resolved ? 'resolved' : 'unresolved', turns });
    await pool.query(
      `insert into verifier_scores (rollout_id, backend, verifier, run_id, score) values ($1, 'onnx', 'fake', $2, $3)`,
      [ids[`tts${i}`], RUN, score],
    );
  }
  await rollout('ttsMasked', {
    stage: 'tts',
    task: 't2',
    sample: 9,
    outcome: null,
    turns: 1,
    masked: 'harness_timeout',
  });
});
afterAll(async () => stack?.stop());

describe('writeReport on a fake run', () => {
  let ref: Awaited<ReturnType<typeof writeReport>>;
  let md: string;
  beforeAll(async () => {
    ref = await writeReport({ pool: stack.pool!, settings: { artifactsDir } }, { runId: RUN });
    md = readFileSync(ref.reportPath, 'utf8');
  });

  it('writes every figure as SVG and as a PNG that decodes at the documented size', () => {
    const dir = join(artifactsDir, 'runs', RUN, 'reports');
    expect(ref.reportPath).toBe(join(dir, 'report.md'));
    for (const f of FIGURES) {
      const svg = readFileSync(join(dir, 'figures', `${f}.svg`), 'utf8');
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      const png = decodePng(readFileSync(join(dir, 'figures', `${f}.png`)));
      expect({ f, w: png.width, h: png.height }).toEqual({ f, w: PNG_SIZE.width, h: PNG_SIZE.height });
      expect(md).toContain(`![`);
      expect(md).toContain(`(figures/${f}.png)`);
    }
    expect(ref.files.every((f) => existsSync(f))).toBe(true);
    expect(existsSync(join(dir, 'summary.json'))).toBe(true);
  });

  it('states the seeded difficulty, funnel, SFT and RL numbers', () => {
    expect(md).toContain('6 tasks estimated: 2 never solved (p = 0), 2 mixed (0 < p < 1), 2 always solved (p = 1)');
    expect(md).toContain('| trajectories | 10 |');
    expect(md).toContain('| - unresolved (3) | 5 |');
    expect(md).toContain('| SFT rows | 4 |');
    expect(md).toContain('Loss 3 at step 1 → 1.5 at step 6 (6 points, from every logged step)');
    expect(md).toContain('| 1 | 0.25 | 25.0 % | 1 | 7.5 |');
    expect(md).toContain('| 2 | 0.5 | 50.0 % | 0 | 6 |');
  });

  it('counts masked rollouts by reason', () => {
    expect(md).toContain('| distill | docker_daemon_unreachable | 2 |');
    expect(md).toContain('| rl | container_start_failed | 1 |');
    expect(md).toContain('| tts | harness_timeout | 1 |');
  });

  it('tabulates TTS@K against Pass@K with hand-computed values (the masked candidate left out)', () => {
    // K=2: verifier t1 2/3, t2 1/3 -> 50 %; fewest turns t1 0, t2 2/3 -> 33.3 %; Pass@2 (2/3 + 1) / 2 -> 83.3 %.
    expect(md).toContain('| 2 | 2 | 50.0 % | 33.3 % | 50.0 % | 50.0 % | 83.3 % | 83.3 % |');
    expect(md).toContain('| 3 | 2 | 50.0 % | 50.0 % | 50.0 % | 50.0 % | 100.0 % | 100.0 % |');
    const summary = JSON.parse(readFileSync(join(artifactsDir, 'runs', RUN, 'reports', 'summary.json'), 'utf8'));
    expect(summary.tts.k).toEqual([1, 2, 3]);
  });

  it('writes trajectory viewer pages with everything escaped', () => {
    const page = `trajectories/rollout-${ids.distillOk}.html`;
    expect(md).toContain(`(${page})`);
    const html = readFileSync(join(artifactsDir, 'runs', RUN, 'reports', page), 'utf8');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).toContain('The &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; parser breaks');
    expect(html).toContain('<span class="add">+new &amp; improved</span>');
    expect(html).toContain('&quot;command&quot;: &quot;ls&quot;'); // pretty-printed tool-call arguments
    expect(html).not.toMatch(/<script|<img/i);
  });
});

describe('swe-forge report / trajectory html (CLI)', () => {
  const exec = promisify(execFile);
  const cli = (args: string[]) =>
    exec(process.execPath, ['bin/swe-forge.mjs', ...args], {
      env: { ...process.env, DATABASE_URL: stack.pg!.url, SWE_FORGE_ARTIFACTS: artifactsDir },
    });

  it('writes the report to --out and prints JSON', async () => {
    const out = join(stack.dir, 'cli-report');
    const { stdout } = await cli(['report', RUN, '--out', out, '--json']);
    const ref = JSON.parse(stdout);
    expect(ref.reportPath).toBe(join(out, 'report.md'));
    expect(decodePng(readFileSync(join(out, 'figures', 'tts.png'))).width).toBe(PNG_SIZE.width);
  });

  it('writes one rollout page', async () => {
    const file = join(stack.dir, 'one.html');
    const { stdout } = await cli(['trajectory', 'html', String(ids.distillOk), '--out', file, '--json']);
    expect(JSON.parse(stdout)).toEqual({ path: file });
    expect(readFileSync(file, 'utf8')).toContain(`Rollout ${ids.distillOk}: t1 #0`);
  });

  it('fails with exit code 2 naming the run when it does not exist', async () => {
    const err = await cli(['report', 'no-such-run']).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr).toContain('no run "no-such-run"');
  });
});
