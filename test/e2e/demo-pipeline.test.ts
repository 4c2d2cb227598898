// The demo preset, cut down, through every stage on the real stack: Temporal dev server, embedded Postgres, real
// Docker containers, worker processes of every role, the Python trainer on CPU. Asserts each stage left its
// outputs: rows, files, checkpoints, the report.
import type { SweWorldSummary } from '../../contracts/pipeline.ts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.ts';
import { STAGE_ORDER } from '../../config/schema.ts';
import { startFaultStack, type FaultStack } from '../../dev/faultStack.ts';
import { outcome } from '../../dev/faultRun.ts';
import { decodePng } from '../helpers/png.ts';

const RUN = 'e2e-demo';
const EVAL = 'mini__textkit-3';
let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack('e2e-demo');
  await stack.importTasks();
  for (const role of ['orchestrator', 'rollout', 'gpu'] as const) await stack.startWorker(role);
}, 300_000);
afterAll(async () => stack?.stop());

const q = async <T extends Record<string, unknown>>(sql: string, args: unknown[] = [RUN]) =>
  (await stack.base.pool!.query<T>(sql, args)).rows;

describe('demo preset end to end (reduced sizes)', () => {
  it('runs every stage and each leaves its outputs', { timeout: 1_500_000 }, async () => {
    const config = parseRunConfig({
      preset: 'demo',
      name: 'e2e-demo',
      tasks: { limit: 6, eval: [EVAL] },
      agent: { maxTurns: 8 },
      stages: {
        distill: { samplesPerTask: 1 },
        difficulty: { n: 3 },
        sft: { steps: 2, saveEvery: 1 },
        rl: { iterations: 1, batchTasks: 1, groupSize: 2 },
        sweWorld: { steps: 2 },
        tts: { k: 2 },
      },
    });
    const handle = await stack.startRun(RUN, config);
    const result = await outcome(handle);
    expect(result.ok ? 'completed' : result.error).toBe('completed');

    const stages = (await q<{ stage: string }>('select stage from stage_results where run_id = $1')).map(
      (r) => r.stage,
    );
    expect(stages.sort()).toEqual([...STAGE_ORDER].sort());

    const byStage = await q<{ stage: string; n: number; dup: number }>(
      `select stage, count(*)::int as n, count(*)::int - count(distinct (task_id, sample))::int as dup
         from rollouts where run_id = $1 group by stage`,
    );
    const n = Object.fromEntries(byStage.map((r) => [r.stage, r.n]));
    expect(n).toMatchObject({ distill: 6, difficulty: 18, rl: 2, tts: 2 });
    expect(byStage.every((r) => r.dup === 0)).toBe(true);
    const paths = await q<{ trajectory_path: string }>('select trajectory_path from rollouts where run_id = $1');
    expect(paths.every((p) => existsSync(p.trajectory_path))).toBe(true);

    expect(await q('select * from difficulty where run_id = $1')).toHaveLength(6);
    const [sft] = await q<{ path: string; rows: number }>(
      "select path, rows from datasets where run_id = $1 and kind = 'sft'",
    );
    expect(sft!.rows).toBeGreaterThan(0);
    expect(readFileSync(sft!.path, 'utf8').trim().split('\n')).toHaveLength(sft!.rows);

    const ckpts = await q<{ stage: string; path: string }>('select stage, path from checkpoints where run_id = $1');
    for (const stage of ['sft', 'rl', 'sweWorld']) expect(ckpts.some((c) => c.stage === stage)).toBe(true);
    for (const c of ckpts) expect(existsSync(join(c.path, 'config.json'))).toBe(true);
    expect(await q('select * from rl_iterations where run_id = $1')).toHaveLength(1);

    // TTS with the run's SWE-World checkpoint, and with its ORM baseline over the same candidates (issue 14).
    const evals = await q<{ id: string; metrics: { scoredWith?: { source: string; kind: string; name: string } } }>(
      "select id, metrics from evaluations where run_id = $1 and kind = 'tts' order by id",
    );
    expect(evals.map((e) => e.id)).toEqual([`${RUN}:tts`, `${RUN}:tts-orm`]);
    const sw = await q<{ summary: SweWorldSummary }>(
      "select summary from stage_results where run_id = $1 and stage = 'sweWorld'",
    );
    const world = sw[0]!.summary;
    expect(existsSync(join(world.onnxDir!, 'model.onnx'))).toBe(true);
    expect(evals[0]!.metrics.scoredWith).toEqual({ source: 'run', kind: 'swe_world', name: world.checkpointId });
    // Measured on executions of a task it never trained on, next to the ORM measured on the same ones.
    if (world.heldOut) {
      expect(world.heldOut.heldOutTasks).not.toContain(EVAL);
      expect(world.baseline!.heldOut!.n).toBe(world.heldOut.n);
    }

    const [rep] = await q<{ summary: { reportPath: string } }>(
      "select summary from stage_results where run_id = $1 and stage = 'report'",
    );
    const reportPath = rep!.summary.reportPath;
    expect(readFileSync(reportPath, 'utf8')).toContain(`# Run report: ${RUN}`);
    const png = join(reportPath, '..', 'figures', 'difficulty.png');
    expect(decodePng(readFileSync(png)).width).toBeGreaterThan(0);

    // The demo offers the lsp tool: the teacher looked up symbols, and a trajectory page shows the call (issue 25).
    const lsp = await q<{ id: string }>(
      `select id from rollouts where run_id = $1 and (tool_usage->'lsp'->>'calls')::int > 0 order by id limit 1`,
    );
    expect(lsp).toHaveLength(1);
    const pages = join(reportPath, '..', 'trajectories');
    const shown = readdirSync(pages).filter((f) => /^rollout-\d+\.html$/.test(f));
    expect(shown.some((f) => readFileSync(join(pages, f), 'utf8').includes('document_symbols'))).toBe(true);
    expect(readFileSync(reportPath, 'utf8')).toContain('## Tool usage');
  });
});
