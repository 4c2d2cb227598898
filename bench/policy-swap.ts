// `npm run bench -- policy-swap [rounds]`: the weight-swap time of the CPU policy server, as an RL iteration pays it:
// ensurePolicyServer with a new checkpoint (old server down, new one answering GET /models with the new id), then one
// chat completion from it. The tiny model, so the figure is the engine's fixed cost (process start, load), not a
// large model's load time. The engine is the worker's (SWE_FORGE_POLICY_SERVER: auto / llama / trainer).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { loadTrainingEnv } from '../activities/training/env.ts';
import { createGpuTrainingActivities } from '../activities/training/index.ts';
import { startTestStack } from '../dev/stack.ts';
import { loadSettings } from '../infra/settings.ts';

const TARGET_S = 30; // a swap should cost well under a tiny-model RL iteration's rollouts

export default async function policySwap(args: string[]): Promise<void> {
  const rounds = Number(args[0] ?? 3);
  const stack = await startTestStack({ temporal: false, prefix: 'bench-swap' });
  const dir = mkdtempSync(join(tmpdir(), 'swe-forge-swap-'));
  const run = <R>(fn: () => Promise<R>) =>
    new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR', () => undefined) }).run(fn) as Promise<R>;
  try {
    const settings = { ...loadSettings(), artifactsDir: join(dir, 'artifacts'), cacheDir: join(dir, 'cache') };
    const env = loadTrainingEnv({ ...process.env, SWE_FORGE_GPUS: '0' });
    const acts = createGpuTrainingActivities({ pool: stack.pool!, settings }, { env });
    const tiny = (out: string) =>
      run(() => acts.makeTinyModel({ outDir: out, corpusFiles: ['tasks/mini/tasks.jsonl'], seed: 0 }));
    const paths = [(await tiny('ckpt-a')).path, (await tiny('ckpt-b')).path];
    await run(() => acts.ensurePolicyServer({ checkpoint: paths[1]!, servedName: 'bench', modelName: 'warm-up' }));
    const swaps: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const modelName = `bench/rl/iter-${i + 1}/step-${i + 1}`;
      const t0 = performance.now();
      const ref = await run(() =>
        acts.ensurePolicyServer({ checkpoint: paths[i % 2]!, servedName: 'bench', modelName }),
      );
      const res = await fetch(`${ref.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: modelName, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }),
      });
      const body = (await res.json()) as { model?: string };
      if (body.model !== modelName) throw new Error(`swap ${i + 1}: the engine answered as ${body.model}`);
      swaps.push((performance.now() - t0) / 1000);
      console.log(`swap ${i + 1}: ${swaps[i]!.toFixed(2)} s (answered as ${body.model})`);
    }
    await run(() => acts.stopPolicyServer({ servedName: 'bench' }));
    const mean = swaps.reduce((s, x) => s + x, 0) / swaps.length;
    const engine = env.policyServer;
    console.log(
      JSON.stringify({
        bench: 'policy-swap',
        engine,
        rounds,
        swap_s: swaps,
        mean_s: mean,
        ratio: mean / TARGET_S,
        target: TARGET_S,
        ok: mean < TARGET_S,
      }),
    );
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
