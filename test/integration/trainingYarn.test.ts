// YaRN through the gpu worker's trainSft and the real trainer: a second SFT round starts from the first round's
// checkpoint, which has YaRN already, and must not stretch it again (docs/training.md, "YaRN: applied once").
import type { TrainSftInput } from '../../contracts/gpu.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { SftSchema } from '../../config/schema.ts';
import { loadSettings } from '../../infra/settings.ts';
import { loadTrainingEnv } from '../../activities/training/env.ts';
import { createGpuTrainingActivities } from '../../activities/training/index.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';

let stack: TestStack;
let acts: ReturnType<typeof createGpuTrainingActivities>;
let tinyModel: string;
let sftData: string;

const run = <R>(fn: () => Promise<R>) =>
  new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR', () => undefined) }).run(fn) as Promise<R>;

const conversation = JSON.stringify({
  messages: [
    { role: 'user', content: 'parse() fails on empty input.' },
    {
      role: 'assistant',
      content: 'Returning [] for empty input. <tool_call>{"name":"submit","arguments":{}}</tool_call>',
    },
  ],
});

const round = (baseModel: string, n: number): TrainSftInput => ({
  runId: 'yarn',
  stage: 'sft',
  round: n,
  baseModel,
  datasetPath: sftData,
  outDir: '',
  sft: SftSchema.parse({ steps: 1, saveEvery: 1, batchSize: 1, maxSeqLen: 128, lr: 1e-4, yarnFactor: 2 }),
});

const modelConfig = (dir: string) => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));

beforeAll(async () => {
  stack = await startTestStack({ temporal: false, prefix: 'training-yarn' });
  const settings = { ...loadSettings(), artifactsDir: join(stack.dir, 'artifacts'), cacheDir: join(stack.dir, 'c') };
  const env = loadTrainingEnv({ SWE_FORGE_GPUS: '0', SWE_FORGE_HEARTBEAT_S: '1' });
  acts = createGpuTrainingActivities({ pool: stack.pool!, settings }, { env });
  sftData = join(stack.dir, 'sft.jsonl');
  writeFileSync(sftData, `${conversation}\n${conversation}\n`);
  const corpus = { outDir: '', corpusFiles: ['tasks/mini/tasks.jsonl'], seed: 0 };
  tinyModel = (await run(() => acts.makeTinyModel(corpus))).path;
});
afterAll(async () => {
  await stack?.stop();
});

describe('trainSft with yarnFactor over two rounds', () => {
  it('stretches the base once; round 2 keeps round 1 YaRN instead of stretching the stretched context', async () => {
    const original = modelConfig(tinyModel).max_position_embeddings as number;
    const first = await run(() => acts.trainSft(round(tinyModel, 1)));
    const once = modelConfig(first.path);
    expect(once.max_position_embeddings).toBe(2 * original);
    expect(once.rope_parameters ?? once.rope_scaling).toMatchObject({
      rope_type: 'yarn',
      factor: 2,
      original_max_position_embeddings: original,
    });
    const second = await run(() => acts.trainSft(round(first.path, 2)));
    const twice = modelConfig(second.path);
    expect(twice.max_position_embeddings).toBe(2 * original);
    expect(twice.rope_parameters ?? twice.rope_scaling).toEqual(once.rope_parameters ?? once.rope_scaling);
  }, 240_000);
});
