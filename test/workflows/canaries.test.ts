// Canaries in the RL loop (issue 17), the workflow's side against stub activities: a task whose canary flips is
// masked as harness_flaky in the iteration that caught it (no advantage in that GRPO batch), quarantined, and
// never sampled again, across continue-as-new. The real harness's side is test/faults/canaries.test.ts.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rlOnlyConfig, startPipelineEnv, type PipelineEnv } from './helpers/env.ts';
import { runPipeline } from './helpers/run.ts';

let env: PipelineEnv;
beforeAll(async () => {
  env = await startPipelineEnv({ prefix: 'wf-canary' });
});
afterAll(async () => env?.stop());

const FLAKY = 't-2';

describe('rl canaries', () => {
  it('masks, quarantines and leaves out a task whose canary flips', async () => {
    const run = 'canary-1';
    env.behaviour.flaky = (t) => t === FLAKY;
    // Every train task in every batch and every canary sample: the flaky one is caught in iteration 1.
    const c = rlOnlyConfig(env, { iterations: 3, batchTasks: 5, continueAsNewEvery: 1, canaries: { sample: 5 } });
    await runPipeline(env, run, c);
    env.behaviour.flaky = undefined;

    const pool = env.stack.pool!;
    const rows = (
      await pool.query(
        `select task_id, sample, masked, mask_reason, reward from rollouts where run_id = $1 and stage = 'rl' order by sample`,
        [run],
      )
    ).rows as { task_id: string; sample: number; masked: boolean; mask_reason: string | null; reward: number | null }[];
    const flaky = rows.filter((r) => r.task_id === FLAKY);
    // Iteration 1 (samples 0, 1) only, both masked; none afterwards.
    expect(flaky.map((r) => r.sample)).toEqual([0, 1]);
    for (const r of flaky) expect(r).toMatchObject({ masked: true, mask_reason: 'harness_flaky', reward: null });
    expect(rows.filter((r) => r.task_id !== FLAKY && r.mask_reason === 'harness_flaky')).toEqual([]);
    // Iterations 2 and 3 ran in their own executions (continueAsNewEvery 1): the quarantine was carried.
    const later = rows.filter((r) => r.sample >= 2);
    expect(later.length).toBeGreaterThan(0);
    expect(later.some((r) => r.task_id === FLAKY)).toBe(false);
    const canaryCalls = env.stubs.named('canaryCheck').map((x) => x.input as { iteration: number; taskIds: string[] });
    expect(canaryCalls.map((x) => x.iteration)).toEqual([1, 2, 3]);
    expect(canaryCalls[1]!.taskIds).not.toContain(FLAKY);

    const ds = await pool.query(`select path from datasets where run_id = $1 and id = $2`, [run, `${run}:grpo:1`]);
    const batch = readFileSync(ds.rows[0].path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { group: string; masked: boolean; advantage: number });
    const members = batch.filter((b) => b.group === FLAKY);
    expect(members).toHaveLength(2);
    for (const m of members) expect(m).toMatchObject({ masked: true, advantage: 0 });
  });
});
