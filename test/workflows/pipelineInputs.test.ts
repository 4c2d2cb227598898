// The pipeline workflow's input as a user gives it: stages turned off, a config that starts from a preset (as pasted
// in the Web UI), and an invalid config refused by the workflow itself with the dotted path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunConfigInput } from '../../config/schema.ts';
import { SA, statusQuery } from '../../workflows/definitions.ts';
import { startPipelineEnv, type PipelineEnv } from './helpers/env.ts';
import { childTypes, runPipeline } from './helpers/run.ts';

let env: PipelineEnv;

beforeAll(async () => {
  env = await startPipelineEnv({ prefix: 'wf-pipeline-inputs' });
});
afterAll(async () => env?.stop());

const q = async <T = Record<string, unknown>>(sql: string, params: unknown[]) =>
  (await env.stack.pool!.query(sql, params)).rows as T[];

describe('pipelineWorkflow input', () => {
  it('leaves out stages the config disables', async () => {
    const cfg = {
      name: 'wf-test-min',
      tasks: { file: env.tasksFile, eval: ['t-5', 't-6'] },
      models: { teachers: [{ name: 'stub-teacher', kind: 'scripted' }], policy: { name: 'p', kind: 'scripted' } },
      stages: {
        distill: { samplesPerTask: 1 },
        difficulty: { enabled: false },
        filter: { enabled: false },
        sft: { enabled: false },
        // alpha is not 0.5 here: every rollout must carry the configured one (the reward of a forced submission).
        rl: { enabled: false, alpha: 0.3 },
        sweWorld: { enabled: false },
        tts: { enabled: false },
        report: { enabled: false },
      },
    };
    const r = await runPipeline(env, 'minimal-1', cfg as RunConfigInput);
    const rollouts = env.stubs.named('runRollout').map((c) => c.input as { runId: string; alpha: number });
    const mine = rollouts.filter((i) => i.runId === 'minimal-1');
    expect(mine.length).toBeGreaterThan(0);
    expect(new Set(mine.map((i) => i.alpha))).toEqual(new Set([0.3]));
    expect(r.result.disabled).toEqual(['difficulty', 'filter', 'sft', 'rl', 'sweWorld', 'tts', 'report']);
    expect(await childTypes(r.handle)).toEqual(['distillWorkflow']);
    expect(r.result.stages.distill).toMatchObject({ rollouts: 5 });
    expect((await r.handle.query(statusQuery)).stages.rl.state).toBe('skipped');
  });

  it('accepts a config that starts from a preset, as a Web UI user may paste it', async () => {
    const stages = Object.fromEntries(
      ['distill', 'difficulty', 'filter', 'sft', 'rl', 'sweWorld', 'tts', 'report'].map((st) => [
        st,
        { enabled: false },
      ]),
    );
    const r = await runPipeline(env, 'preset-1', { preset: 'demo', stages } as unknown as RunConfigInput);
    expect(r.result.disabled).toHaveLength(8);
    const stored = await q<{ config: Record<string, unknown> }>('select config from runs where run_id = $1', [
      'preset-1',
    ]);
    expect(stored[0]!.config).toMatchObject({ name: 'demo', recipe: 'swe-master', agent: { maxTurns: 12 } });
    expect((await r.handle.describe()).typedSearchAttributes.get(SA.model)).toBe('tiny-student');
    const err = await runPipeline(env, 'preset-bad', { preset: 'nope' } as unknown as RunConfigInput).catch(
      (e: Error) => e,
    );
    expect(String((err as { cause?: { message?: string } }).cause?.message)).toMatch(/preset: unknown preset "nope"/);
  });

  it('rejects an invalid config with the dotted path, from the workflow itself', async () => {
    const bad = { name: 'Bad Name', models: { policy: { name: 'p' } }, stages: { rl: { groupSize: 1 } } };
    const err = await runPipeline(env, 'bad-1', bad as unknown as RunConfigInput).catch((e: Error) => e);
    const msg = String((err as { cause?: { message?: string } }).cause?.message);
    expect(msg).toMatch(/name: lowercase letters/);
    expect(msg).toMatch(/stages\.rl\.groupSize/);
  });
});
