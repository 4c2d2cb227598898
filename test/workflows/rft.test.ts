// SWE-Gym's rejection-sampling fine-tuning in rounds (stages.sft.rounds): each round after the first serves the
// checkpoint the previous round trained, samples every training task with it, keeps the resolved trajectories
// (capped per instance) and fine-tunes that checkpoint on them.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineResult } from '../../workflows/pipeline.ts';
import { runConfigProblems } from '../../config/stageRules.ts';
import { parseConfig } from '../../workflows/pipeline.ts';
import { startPipelineEnv, testConfig, type PipelineEnv } from './helpers/env.ts';
import { runPipeline } from './helpers/run.ts';
import { defaultOutcome } from './helpers/stubs.ts';

let env: PipelineEnv;
let result: PipelineResult;
const RUN = 'rft-1';
const SAMPLES = 3;
const CAP = 2;

beforeAll(async () => {
  env = await startPipelineEnv({ prefix: 'wf-rft' });
  const config = testConfig(env, {
    stages: {
      filter: { perInstanceCap: CAP },
      sft: { rounds: 3, roundSamples: SAMPLES },
      rl: { enabled: false },
    },
  });
  ({ result } = await runPipeline(env, RUN, config));
});
afterAll(async () => env?.stop());

const q = async <T>(sql: string, params: unknown[] = [RUN]) => (await env.stack.pool!.query(sql, params)).rows as T[];

describe('rejection-sampling rounds', () => {
  it('fine-tunes each round from the checkpoint the previous round produced', async () => {
    const sft = env.stubs.named('trainSft').map((c) => c.input as { round?: number; baseModel: string });
    expect(sft.map((s) => s.round ?? 1)).toEqual([1, 2, 3]);
    expect(sft[1]!.baseModel).toMatch(new RegExp(`${RUN}/sft/checkpoints/step-6$`));
    expect(sft[2]!.baseModel).toMatch(new RegExp(`${RUN}/sft/round-2/checkpoints/step-6$`));
    expect(result.stages.sft).toMatchObject({ checkpointId: `${RUN}/sft/round-3/step-6` });
    const ids = await q<{ id: string }>("select id from checkpoints where run_id = $1 and stage = 'sft' order by 1");
    expect(ids.map((r) => r.id)).toEqual([
      `${RUN}/sft/round-2/step-6`,
      `${RUN}/sft/round-3/step-6`,
      `${RUN}/sft/step-6`,
    ]);
  });

  it("samples every training task with the round's starting checkpoint, served under its id", async () => {
    const rows = await q<{ task_id: string; sample: number; policy_version: string }>(
      "select task_id, sample, policy_version from rollouts where run_id = $1 and stage = 'rft' order by sample, task_id",
    );
    const train = (
      await q<{ task_id: string }>("select distinct task_id from rollouts where run_id = $1 and stage = 'distill'")
    ).map((r) => r.task_id);
    expect(new Set(rows.map((r) => r.task_id))).toEqual(new Set(train));
    const round2 = rows.filter((r) => r.sample < SAMPLES);
    const round3 = rows.filter((r) => r.sample >= SAMPLES);
    expect(round2).toHaveLength(train.length * SAMPLES);
    expect(round3).toHaveLength(train.length * SAMPLES);
    expect(new Set(round2.map((r) => r.policy_version))).toEqual(new Set([`${RUN}/sft/step-6`]));
    expect(new Set(round3.map((r) => r.policy_version))).toEqual(new Set([`${RUN}/sft/round-2/step-6`]));
    const served = env.stubs.named('ensurePolicyServer').map((c) => (c.input as { modelName: string }).modelName);
    expect(served).toEqual(expect.arrayContaining([`${RUN}/sft/step-6`, `${RUN}/sft/round-2/step-6`]));
  });

  it("trains round 3 on round 3's resolved trajectories only, at most the cap per task", async () => {
    const train = (
      await q<{ task_id: string }>("select distinct task_id from rollouts where run_id = $1 and stage = 'rft'")
    ).map((r) => r.task_id);
    const expected = train.reduce((n, t) => {
      const resolved = [3, 4, 5].filter((s) => defaultOutcome(t, s) === 'resolved').length;
      return n + Math.min(CAP, resolved);
    }, 0);
    const sft = env.stubs.named('trainSft').map((c) => c.input as { datasetPath: string });
    const lines = readFileSync(sft[2]!.datasetPath, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(expected);
    for (const l of lines) expect(JSON.parse(l).messages.at(-1).content).toMatch(/ #[345]$/);
    const [row] = await q<{ rows: number }>('select rows from datasets where id = $1', [`${RUN}:sft-round-3`]);
    expect(row!.rows).toBe(expected);
  });

  it('is refused for a policy that is a fixed endpoint', () => {
    const config = parseConfig({
      ...testConfig(env, { stages: { sft: { rounds: 2 }, rl: { enabled: false } } }),
      models: { teachers: [{ name: 't', kind: 'scripted' }], policy: { name: 'p', baseUrl: 'http://p:8000/v1' } },
    });
    expect(runConfigProblems(config).join('\n')).toMatch(/stages\.sft\.rounds is 2 but a "openai" policy/);
  });
});
