// The CUDA-worker path of ensurePolicyServer, with a fake vLLM (vLLM itself needs a GPU): the command template
// is filled in, readiness comes from polling /v1/models, the server is reused, stopped, and an OOM at start-up
// stops retries. The trainer's own `serve` is exercised for real in test/integration/training.test.ts.
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { loadSettings } from '../../../../infra/settings.ts';
import { loadTrainingEnv } from '../../../../activities/training/env.ts';
import { createPolicyServerActivities } from '../../../../activities/training/policyServer.ts';
import { createChildRegistry, isAlive } from '../../../../activities/training/processes.ts';

const fakeVllm = new URL('../../../fixtures/training/fake-vllm.mjs', import.meta.url).pathname;

function servers(vllmCmd: string) {
  const env = loadTrainingEnv({
    SWE_FORGE_POLICY_SERVER: 'vllm',
    SWE_FORGE_VLLM_CMD: vllmCmd,
    SWE_FORGE_KILL_GRACE_S: '5',
  });
  return createPolicyServerActivities({
    settings: loadSettings(),
    env,
    children: createChildRegistry(),
    gpus: async () => 1,
  });
}

function inActivity<R>(fn: () => Promise<R>, info: Partial<Info> = {}): Promise<R> {
  const env = new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR', () => undefined) });
  return env.run(fn) as Promise<R>;
}

describe('ensurePolicyServer with a vLLM command', () => {
  it('fills the template, waits for /v1/models, reuses the server, and stops it', async () => {
    const s = servers(`node ${fakeVllm} serve {checkpoint} --served-model-name {name} --port {port}`);
    const checkpoint = '/ckpt/with space/step-000004';
    const ref = await inActivity(() => s.ensurePolicyServer({ checkpoint, servedName: 'policy' }));
    try {
      expect(ref.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const models = (await (await fetch(`${ref.baseUrl}/models`)).json()) as { data: { id: string; root: string }[] };
      expect(models.data).toEqual([{ id: 'policy', object: 'model', root: checkpoint }]);
      expect(await inActivity(() => s.ensurePolicyServer({ checkpoint, servedName: 'policy' }))).toEqual({
        ...ref,
        swap: 'same',
      });
    } finally {
      await inActivity(() => s.stopPolicyServer({ servedName: 'policy' }));
    }
    expect(isAlive(ref.pid)).toBe(false);
  });

  it('fails non-retryably when the server runs out of CUDA memory while loading', async () => {
    const oom = `node -e "console.error('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB'); process.exit(1)"`;
    const s = servers(`${oom} {checkpoint} {name} {port}`);
    const err = await inActivity(() => s.ensurePolicyServer({ checkpoint: '/ckpt', servedName: 'p' })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('CudaOutOfMemory');
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).message).toContain('Tried to allocate 2.00 GiB');
  });
});
