// `npm run bench -- weight-sync [rounds]`: a new checkpoint to the first token answered by it, on the CPU policy
// engine (llama.cpp) with SmolLM2-135M-Instruct, two ways: restart (today's path for full fine-tuning: the server
// stops, the new checkpoint is converted to GGUF and loaded) against in place (training.lora: the gpu worker finds
// the checkpoint is the served base plus LoRA adapters and the running engine applies them). The checkpoints are
// real grpo-step outputs with LoRA (rank 16) chained from the base, the same ones for both paths; "answered by it"
// is asked of the engine (each completion's `model` must be the new checkpoint id). Target: in place <= 0.2x restart.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { RlSchema } from '../config/schema.ts';
import { TrainingSchema } from '../config/trainingSchema.ts';
import { loadTrainingEnv } from '../activities/training/env.ts';
import { createGpuTrainingActivities } from '../activities/training/index.ts';
import { startTestStack } from '../dev/stack.ts';
import { loadSettings } from '../infra/settings.ts';

const TARGET = 0.2;
const BASE = 'smollm2-135m-instruct';

function batch(path: string): string {
  const rows = Array.from({ length: 4 }, (_, i) => ({
    messages: [
      { role: 'system', content: 'You fix bugs in Python repositories.' },
      { role: 'user', content: `Issue ${i}: parse() fails on empty input.` },
      {
        role: 'assistant',
        content: `<tool_call>{"name":"bash","arguments":{"command":"grep -n parse src/${i}.py"}}</tool_call>`,
      },
    ],
    advantage: [1, -1, 0.5, -0.5][i],
    masked: false,
    group: `t${i >> 1}`,
  }));
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

export default async function weightSync(args: string[]): Promise<void> {
  const rounds = Number(args[0] ?? 3);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds must be a positive integer (got ${args[0]})`);
  const stack = await startTestStack({ temporal: false, prefix: 'bench-wsync' });
  const dir = mkdtempSync(join(tmpdir(), 'swe-forge-wsync-'));
  const run = <R>(fn: () => Promise<R>) =>
    new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR', () => undefined) }).run(fn) as Promise<R>;
  try {
    const settings = { ...loadSettings(), artifactsDir: join(dir, 'artifacts') };
    const deps = { pool: stack.pool!, settings };
    const acts = (inPlace: boolean) =>
      createGpuTrainingActivities(deps, {
        env: loadTrainingEnv({ ...process.env, SWE_FORGE_GPUS: '0', SWE_FORGE_INPLACE_SWAP: inPlace ? '1' : '0' }),
      });
    const trainer = acts(false);
    const rl = RlSchema.parse({ groupSize: 2, lMax: 256, lr: 1e-3 });
    const training = TrainingSchema.parse({ lora: { enabled: true, rank: 16, alpha: 32 } });
    const batchPath = batch(join(dir, 'batch.jsonl'));
    const ckpts: { id: string; path: string }[] = [];
    let model = BASE;
    for (let i = 1; i <= rounds; i++) {
      const ref = await run(() =>
        trainer.grpoStep({ runId: 'wsync', iteration: i, model, batchPath, outDir: '', rl, training }),
      );
      ckpts.push({ id: ref.checkpointId, path: ref.path });
      model = ref.path;
      console.log(`grpo-step ${i} (LoRA r16): ${ref.checkpointId}`);
    }
    const measure = async (label: string, inPlace: boolean): Promise<number[]> => {
      const a = acts(inPlace);
      const servedName = `wsync-${label}`;
      await run(() => a.ensurePolicyServer({ checkpoint: BASE, servedName, modelName: 'wsync/base' }));
      const out: number[] = [];
      for (const c of ckpts) {
        const t0 = performance.now();
        const ref = await run(() => a.ensurePolicyServer({ checkpoint: c.path, servedName, modelName: c.id }));
        const res = await fetch(`${ref.baseUrl}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }),
        });
        const body = (await res.json()) as { model?: string };
        if (body.model !== c.id) throw new Error(`${label}: the engine answered as ${body.model}, not ${c.id}`);
        out.push((performance.now() - t0) / 1000);
        console.log(`${label.padEnd(8)} ${c.id}: first token answered by it after ${out.at(-1)!.toFixed(2)} s`);
      }
      await run(() => a.stopPolicyServer({ servedName }));
      return out;
    };
    const restart = await measure('restart', false);
    const inPlace = await measure('in-place', true);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const ratio = mean(inPlace) / mean(restart);
    console.log(
      JSON.stringify({
        bench: 'weight-sync',
        model: BASE,
        rounds,
        restart_s: restart.map((x) => +x.toFixed(2)),
        in_place_s: inPlace.map((x) => +x.toFixed(2)),
        ratio: +ratio.toFixed(3),
        target: TARGET,
        ok: ratio <= TARGET,
      }),
    );
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
