// Scenario 12 (issue 17): canaries in the RL loop on the real stack. Two tasks, a steady one and a copy whose
// graded tests include one that fails on half of its runs (test/faults/lib/flakyTask.ts); the policy is the
// scripted stand-in, which always plays the gold fix. Each iteration re-validates both with the real harness
// (gold patch `goldRuns` times, empty patch once). The flaky task flips, is quarantined, its rollouts of that
// iteration are masked as harness_flaky (no GRPO advantage), it is never sampled again, and the report lists
// the flake rate per task. The steady task never flips.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeReport } from '../../activities/report/index.ts';
import { FLAKY, STEADY, writeFlakyTasks } from './lib/flakyTask.ts';
import { printFaultTable, scenario } from './lib/results.ts';
import { faultConfig, outcome, rolloutRows } from '../../dev/faultRun.ts';
import { startFaultStack, type FaultStack } from '../../dev/faultStack.ts';
import { tinyModelFor } from '../../dev/tinyModel.ts';

const RUN = 'faults-canaries';
const ITERATIONS = 3;
// P(the flaky task passes all gold runs of one check) = 2^-GOLD_RUNS; it must flip by iteration 2 (2^-16 to miss).
const GOLD_RUNS = 8;
let stack: FaultStack;
let tasksFile: string;
let tinyModel: string;

beforeAll(async () => {
  stack = await startFaultStack('canaries');
  tasksFile = writeFlakyTasks(join(stack.dir, 'flaky-tasks'));
  await stack.importTasks(tasksFile);
  // A zero-variance group still takes a GRPO step (the demo preset's stepWithoutSignal): the policy's weights are
  // the trainer's tiny model.
  tinyModel = await tinyModelFor(stack);
  await stack.startWorker('orchestrator');
  await stack.startWorker('rollout');
  await stack.startWorker('gpu');
}, 600_000);
afterAll(async () => {
  await stack?.stop();
  printFaultTable();
});

it(
  'quarantines a task whose harness verdict flips and masks its rewards as harness_flaky',
  { timeout: 600_000 },
  async () => {
    await scenario(
      '12. canaries: a task with a test that fails on half of its runs, in the RL loop',
      'the flaky task flips in a canary, is quarantined, its rollouts of that iteration are masked harness_flaky (advantage 0), it is not sampled afterwards; the steady task never flips; the report lists flake rates',
      'canaries.test.ts',
      async ({ saw }) => {
        const config = faultConfig(RUN, ['rl'], {
          models: {
            policy: { name: 'scripted-policy', kind: 'scripted', toolFormat: 'native' },
            baseModelDir: tinyModel,
          },
          tasks: { file: tasksFile, train: [STEADY, FLAKY] },
          agent: { maxTurns: 12 },
          stages: {
            rl: {
              iterations: ITERATIONS,
              batchTasks: 2,
              groupSize: 2,
              offPolicy: true,
              canaries: { sample: 2, goldRuns: GOLD_RUNS },
            },
          },
        });
        const t0 = Date.now();
        const done = await outcome(await stack.startRun(RUN, config));
        saw(`run took ${Math.round((Date.now() - t0) / 1000)} s`);
        expect(done, JSON.stringify(done)).toMatchObject({ ok: true });
        const pool = stack.base.pool!;
        const canaries = (
          await pool.query(
            'select iteration, task_id, runs, flips, flipped, detail from task_canaries where run_id = $1 order by iteration, task_id',
            [RUN],
          )
        ).rows as {
          iteration: number;
          task_id: string;
          runs: number;
          flips: number;
          flipped: boolean;
          detail: string;
        }[];
        const q = (await pool.query('select task_id, iteration, reason from task_quarantine where run_id = $1', [RUN]))
          .rows as { task_id: string; iteration: number; reason: string }[];
        expect(q.map((r) => r.task_id)).toEqual([FLAKY]);
        const at = q[0]!.iteration;
        saw(`flaky task quarantined at iteration ${at}: ${q[0]!.reason.slice(0, 120)}`);
        expect(at).toBeLessThanOrEqual(ITERATIONS - 1);
        for (const c of canaries.filter((x) => x.task_id === STEADY))
          expect(c).toMatchObject({ flips: 0, flipped: false });
        const steadyRuns = canaries.filter((x) => x.task_id === STEADY).reduce((s, x) => s + x.runs, 0);
        expect(steadyRuns).toBe(ITERATIONS * (GOLD_RUNS + 1));
        const flakyChecks = canaries.filter((x) => x.task_id === FLAKY);
        // Canaried each iteration until quarantined, never after.
        expect(flakyChecks.map((c) => c.iteration)).toEqual(Array.from({ length: at }, (_, i) => i + 1));
        expect(flakyChecks.at(-1)!.flipped).toBe(true);
        saw(
          `canary checks: steady ${steadyRuns} evaluations, 0 flips; flaky ${flakyChecks.map((c) => `it${c.iteration} ${c.flips}/${c.runs}`).join(', ')}`,
        );

        const rows = await rolloutRows(pool, RUN, 'rl');
        const flaky = rows.filter((r) => r.task_id === FLAKY);
        const inQ = flaky.filter((r) => r.sample >= (at - 1) * 2 && r.sample < at * 2);
        expect(inQ).toHaveLength(2);
        for (const r of inQ) expect(r).toMatchObject({ masked: true, mask_reason: 'harness_flaky', reward: null });
        expect(flaky.filter((r) => r.sample >= at * 2)).toEqual([]);
        expect(rows.filter((r) => r.task_id === STEADY)).toHaveLength(ITERATIONS * 2);
        expect(rows.filter((r) => r.task_id === STEADY && r.masked)).toEqual([]);
        saw(
          `rollouts: flaky ${flaky.length} (iteration ${at}'s 2 masked harness_flaky, none after), steady ${ITERATIONS * 2} unmasked`,
        );
        const ds = await pool.query('select path from datasets where id = $1', [`${RUN}:grpo:${at}`]);
        const members = readFileSync(ds.rows[0].path, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { group: string; masked: boolean; advantage: number })
          .filter((b) => b.group === FLAKY);
        expect(members).toHaveLength(2);
        for (const m of members) expect(m).toMatchObject({ masked: true, advantage: 0 });

        const report = await writeReport({ pool, settings: { artifactsDir: stack.artifactsDir } }, { runId: RUN });
        const md = readFileSync(report.reportPath, 'utf8');
        expect(md).toContain('## Canaries (harness re-validation)');
        const section = md.slice(md.indexOf('## Canaries (harness re-validation)')).split('\n## ')[0]!;
        const line = section.split('\n').find((l) => l.startsWith(`| ${FLAKY} |`));
        expect(line).toMatch(/yes \(iteration \d+\)/);
        saw(`report row: ${line}`);
      },
    );
  },
);
