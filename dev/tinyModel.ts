// The policy's starting weights for RL scenarios: the trainer's tiny model (built once, cached by content hash).
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createGpuTrainingActivities } from '../activities/training/index.ts';
import { loadSettings } from '../infra/settings.ts';
import type { FaultStack } from './faultStack.ts';

export async function tinyModelFor(stack: FaultStack): Promise<string> {
  const gpu = createGpuTrainingActivities({ pool: stack.base.pool!, settings: loadSettings(stack.workerEnv) });
  const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR', () => undefined) });
  const made: { path: string } = await env.run(() =>
    gpu.makeTinyModel({ outDir: '', corpusFiles: ['tasks/mini/tasks.jsonl'], seed: 0 }),
  );
  return made.path;
}
