// A LoRA checkpoint into the running CPU engine without a restart: two real grpo-step runs with training.lora from
// the tiny model, served by the gpu worker's ensurePolicyServer (llama.cpp), swapped in place and compared with a
// server started from the merged weights. MockActivityEnvironment, the real trainer, no Temporal server.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { RlSchema } from '../../config/schema.ts';
import { TrainingSchema } from '../../config/trainingSchema.ts';
import { loadSettings } from '../../infra/settings.ts';
import { loadTrainingEnv } from '../../activities/training/env.ts';
import { createGpuTrainingActivities } from '../../activities/training/index.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';

let stack: TestStack;
let acts: ReturnType<typeof createGpuTrainingActivities>;
let tinyModel: string;

function activity() {
  const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR', () => undefined) });
  return { run: <R>(fn: () => Promise<R>) => env.run(fn) as Promise<R> };
}

function conversations(n: number): string {
  const rows = Array.from({ length: n }, (_, i) => ({
    messages: [
      { role: 'system', content: 'You fix bugs in Python repositories.' },
      { role: 'user', content: `Issue ${i}: parse() fails on empty input in textkit.` },
      {
        role: 'assistant',
        content: `<tool_call>{"name":"bash","arguments":{"command":"grep -n parse src/${i}.py"}}</tool_call>`,
      },
    ],
  }));
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

beforeAll(async () => {
  stack = await startTestStack({ temporal: false, prefix: 'lora-swap' });
  const settings = {
    ...loadSettings(),
    artifactsDir: join(stack.dir, 'artifacts'),
    cacheDir: join(stack.dir, 'cache'),
  };
  const env = loadTrainingEnv({ SWE_FORGE_GPUS: '0', SWE_FORGE_HEARTBEAT_S: '1' });
  acts = createGpuTrainingActivities({ pool: stack.pool!, settings }, { env });
  tinyModel = (
    await activity().run(() => acts.makeTinyModel({ outDir: '', corpusFiles: ['tasks/mini/tasks.jsonl'], seed: 0 }))
  ).path;
});
afterAll(async () => {
  if (acts) await activity().run(() => acts.stopPolicyServer({ servedName: 'lora' }));
  await stack?.stop();
});

describe('ensurePolicyServer: a LoRA checkpoint into the running engine, no restart', () => {
  it('swaps two RL steps in place (same process, the new name asked of the engine), as a restart would serve', async () => {
    const batchPath = join(stack.dir, 'lora-batch.jsonl');
    const rows = conversations(4)
      .trim()
      .split('\n')
      .map((line, i) => ({
        ...JSON.parse(line),
        advantage: [1, -1, 0.5, -0.5][i],
        masked: false,
        group: `t${i >> 1}`,
      }));
    writeFileSync(batchPath, rows.map((r) => JSON.stringify(r)).join('\n'));
    const rl = RlSchema.parse({ groupSize: 2, lMax: 256, lr: 5e-2 });
    const training = TrainingSchema.parse({ lora: { enabled: true, rank: 4, alpha: 8 } });
    const step = (iteration: number, model: string) =>
      activity().run(() => acts.grpoStep({ runId: 'lora', iteration, model, batchPath, outDir: '', rl, training }));
    const s1 = await step(1, tinyModel);
    const s2 = await step(2, s1.path);
    expect(existsSync(join(s2.path, 'adapter', 'adapter_config.json'))).toBe(true);

    const ensure = (checkpoint: string, modelName: string) =>
      activity().run(() => acts.ensurePolicyServer({ checkpoint, servedName: 'lora', modelName }));
    const ask = async (baseUrl: string) =>
      (await (
        await fetch(`${baseUrl}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ messages: [{ role: 'user', content: 'Fix parse()' }], max_tokens: 6, logprobs: true }),
        })
      ).json()) as { model: string; choices: { token_ids: number[]; logprobs: { content: { logprob: number }[] } }[] };
    const base = await ensure(tinyModel, 'lora/sft/step-1');
    const before = await ask(base.baseUrl);
    const one = await ensure(s1.path, s1.checkpointId);
    const two = await ensure(s2.path, s2.checkpointId);
    // The same process answered throughout: the adapters went into it.
    expect([one.pid, two.pid]).toEqual([base.pid, base.pid]);
    expect([base.swap, one.swap, two.swap]).toEqual(['restart', 'in-place', 'in-place']);
    expect(two.model).toBe(s2.checkpointId);
    const models = (await (await fetch(`${two.baseUrl}/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toEqual([s2.checkpointId]);
    const inPlace = await ask(two.baseUrl);
    expect(inPlace.model).toBe(s2.checkpointId);
    const lps = (r: typeof before) => r.choices[0]!.logprobs.content.map((c) => c.logprob);
    expect(lps(inPlace)).not.toEqual(lps(before));
    // A server started from step 2's merged weights answers the same tokens (f16 base + f32 adapters vs f16 merged).
    await activity().run(() => acts.stopPolicyServer({ servedName: 'lora' }));
    const fresh = await ensure(s2.path, s2.checkpointId);
    expect(fresh.pid).not.toBe(base.pid);
    const restarted = await ask(fresh.baseUrl);
    expect(restarted.choices[0]!.token_ids).toEqual(inPlace.choices[0]!.token_ids);
    lps(restarted).forEach((lp, i) => expect(Math.abs(lp - lps(inPlace)[i]!)).toBeLessThan(0.05));
    await activity().run(() => acts.stopPolicyServer({ servedName: 'lora' }));
  });
});
