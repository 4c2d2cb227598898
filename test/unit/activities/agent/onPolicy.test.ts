// On-policy RL's pieces that need no stack: the sampled-token contract of a chat completion, which checkpoint a
// rollout row names, the GRPO row the trainer renders (the wire conversation, tools, sampled tokens), the refusal of
// RL with a policy that is never served from its checkpoints, an outage masked, and the paper defaults pinned.
import type { TrajectoryMessage } from '../../../../contracts/rollout.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answeredBy } from '../../../../activities/agent/provenance.ts';
import { sampledTokens } from '../../../../activities/agent/sampledTokens.ts';
import { TOOL_SPECS } from '../../../../activities/trajectory/toolSpecs.ts';
import { grpoConversation } from '../../../../activities/pipeline/grpoRows.ts';
import { loadCheckedConfig } from '../../../../cli/preflight/checks.ts';
import { parseRunConfig } from '../../../../config/load.ts';
import { ConfigError } from '../../../../core/errors.ts';
import { shapeReward } from '../../../../core/reward.ts';
import { runConfigProblems } from '../../../../config/stageRules.ts';

const lp = (logprob: number) => ({ token: 'x', logprob, bytes: null, top_logprobs: [] });

describe('sampled tokens from a chat completion', () => {
  it('takes token_ids with logprobs.content, both or nothing', () => {
    const choice = { token_ids: [5, 9], logprobs: { content: [lp(-0.5), lp(-2)] } };
    expect(sampledTokens(choice)).toEqual({ tokenIds: [5, 9], logprobs: [-0.5, -2] });
    expect(sampledTokens({ logprobs: choice.logprobs })).toBeUndefined(); // a hosted API: no ids, nothing to train on
    expect(sampledTokens({ token_ids: [5, 9], logprobs: null })).toBeUndefined();
    expect(sampledTokens({ token_ids: [5], logprobs: choice.logprobs })).toBeUndefined(); // misaligned
    expect(sampledTokens({ token_ids: [5, 9], logprobs: { content: [lp(-0.5), lp(0.3)] } })).toBeUndefined();
  });
});

describe('policy_version of a rollout row', () => {
  const assistant = (model?: string): TrajectoryMessage => ({ role: 'assistant', content: 'x', meta: { model } });
  const trainer = { model: { name: 'run/rl/iter-1/step-1', kind: 'trainer' as const }, policyVersion: 'assumed' };

  it('is what the engine reported answering, never what the workflow assumed', () => {
    const input = {
      ...trainer,
      model: { ...trainer.model, toolFormat: 'text' as const, temperature: 1, maxTokens: 8 },
    };
    expect(answeredBy([assistant('run/sft/step-1'), assistant('run/sft/step-1')], input)).toBe('run/sft/step-1');
    expect(answeredBy([assistant('a'), assistant('b')], input)).toBe('a+b'); // swapped mid-rollout: both named
    expect(answeredBy([{ role: 'user', content: 'u' }], input)).toBeUndefined(); // no reply: unknown
    const fixed = { ...input, model: { ...input.model, kind: 'openai' as const }, policyVersion: 'gpt' };
    expect(answeredBy([], fixed)).toBe('gpt');
  });
});

describe('GRPO rows render what the policy endpoint received', () => {
  const sampled = { tokenIds: [1, 2], logprobs: [-0.1, -0.2] };
  const trajectory: TrajectoryMessage[] = [
    { role: 'system', content: 's' },
    { role: 'user', content: 'u' },
    {
      role: 'assistant',
      content: 'c',
      tool_calls: [{ id: 'k', type: 'function', function: { name: 'bash', arguments: '{"cmd":"ls"}' } }],
      meta: { turn: 1, model: 'm', sampled },
    },
    { role: 'tool', tool_call_id: 'k', name: 'bash', content: 'out', meta: { turn: 1 } },
  ];

  it('text format: observations as <tool_response> user turns, no tools, sampled tokens kept', () => {
    const row = grpoConversation(trajectory, 'text');
    expect(row.tools).toBeUndefined();
    expect(row.messages[3]).toEqual({ role: 'user', content: '<tool_response>\nout\n</tool_response>' });
    expect(row.messages[2]).toEqual({ role: 'assistant', content: 'c', meta: { sampled } });
  });

  it('native format: tool messages, tool calls with JSON-string arguments, and the tool specs', () => {
    const row = grpoConversation(trajectory, 'native');
    expect(row.tools).toEqual(TOOL_SPECS);
    expect(row.messages[2]).toMatchObject({ tool_calls: [{ function: { arguments: '{"cmd":"ls"}' } }] });
    expect(row.messages[3]).toEqual({ role: 'tool', tool_call_id: 'k', content: 'out' });
  });
});

describe('RL needs a policy served from its checkpoints', () => {
  const cfg = (policy: Record<string, unknown>, rl: Record<string, unknown> = {}) =>
    parseRunConfig({
      name: 'r',
      models: { teachers: [{ name: 't' }], policy },
      stages: { rl, sweWorld: { kind: 'orm' } },
    });

  it('refuses a fixed endpoint with the dotted path, unless offPolicy opts in', () => {
    for (const kind of ['openai', 'scripted']) {
      expect(runConfigProblems(cfg({ name: 'p', kind }))).toEqual([
        expect.stringMatching(/^models\.policy\.kind: stages\.rl is enabled but a ".*" policy is a fixed endpoint/),
      ]);
      expect(runConfigProblems(cfg({ name: 'p', kind }, { offPolicy: true }))).toEqual([]);
      expect(runConfigProblems(cfg({ name: 'p', kind }, { enabled: false }))).toEqual([]);
    }
    expect(runConfigProblems(cfg({ name: 'p', kind: 'trainer' }))).toEqual([]);
  });

  it('config check and run refuse it with a ConfigError (exit 2)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'onpolicy-')), 'run.yaml');
    writeFileSync(
      file,
      'preset: swe-master\nname: mine\nmodels:\n  policy: { name: p, kind: openai, baseUrl: "http://h:1/v1" }\n',
    );
    const err = await loadCheckedConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/models\.policy\.kind: stages\.rl is enabled/);
    writeFileSync(file, 'preset: swe-master\nname: mine\n');
    await expect(loadCheckedConfig(file)).resolves.toMatchObject({
      config: { models: { policy: { kind: 'trainer' } } },
    });
  });
});

describe('the papers defaults are pinned', () => {
  it('alpha 0.5, eps 0.2 / 0.28, per-instance cap 2, no KL, pi_old from the sampler', () => {
    const c = parseRunConfig({ name: 'r', models: { policy: { name: 'p', kind: 'trainer' } } });
    expect(c.stages.rl).toMatchObject({ alpha: 0.5, epsLow: 0.2, epsHigh: 0.28, klCoef: 0 });
    expect(c.stages.rl).toMatchObject({ oldLogprobs: 'sampler', tisCap: 0, offPolicy: false });
    expect(c.stages.filter.perInstanceCap).toBe(2);
    expect(() =>
      parseRunConfig({ name: 'r', models: { policy: { name: 'p' } }, stages: { rl: { klCoef: 0.1 } } }),
    ).toThrow(/klCoef/);
  });
});

describe('an endpoint outage', () => {
  it('masks the sample as policy_unavailable instead of scoring it 0', () => {
    expect(
      shapeReward({ exitReason: 'model_error', forced: false, outcome: null, alpha: 0.5, unavailable: true }),
    ).toEqual({ reward: null, masked: true, maskReason: 'policy_unavailable' });
    // Garbage from a healthy endpoint (rejected request, no outage) still scores 0.
    expect(shapeReward({ exitReason: 'model_error', forced: false, outcome: null, alpha: 0.5 })).toEqual({
      reward: 0,
      masked: false,
    });
  });
});
