// `npm run bench -- serving [turns]`: the CPU policy engine (llama.cpp, trainer `serve-llama`) on SmolLM2-135M-Instruct.
// (1) Weight swap: a new checkpoint folder (the same weights, linked) served from scratch, GGUF conversion + load.
// (2) Prefix caching: two agent conversations with the real text-format system prompt, interleaved turn by turn as
// a GRPO group's rollouts reach one server, each turn re-sending the whole conversation; once with the prefix cache
// and once without (every prompt prefilled whole). Greedy, so both see the same replies. Prints prefill tokens and
// seconds per turn; ratio = prefilled tokens with / without, target <= 0.5.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildPrompts } from '../activities/agent/prompts.ts';
import { toolResponse } from '../activities/trajectory/wire.ts';
import { trainerEnv } from '../activities/training/launch.ts';
import { namedModelDir } from '../activities/training/baseModels.ts';
import { loadSettings } from '../infra/settings.ts';

const TARGET = 0.5;

interface Server {
  url: string;
  child: ChildProcess;
  listening: Record<string, unknown>;
  startMs: number;
}

async function serve(model: string, cacheMb: number, dtype: string): Promise<Server> {
  const settings = loadSettings();
  const dir = mkdtempSync(join(tmpdir(), 'bench-serving-'));
  const config = join(dir, 'serve.json');
  writeFileSync(config, JSON.stringify({ model, model_name: 'bench', prefix_cache_mb: cacheMb, dtype, n_ctx: 8192 }));
  const t0 = performance.now();
  const child = spawn(settings.pythonBin, ['-m', 'swe_forge_trainer', 'serve-llama', '--config', config], {
    env: trainerEnv(settings.repoRoot),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for await (const line of createInterface({ input: child.stdout! })) {
    const e = JSON.parse(line) as Record<string, unknown>;
    if (e.event === 'listening') {
      rmSync(dir, { recursive: true, force: true });
      return { url: String(e.url), child, listening: e, startMs: performance.now() - t0 };
    }
    if (e.event === 'error') throw new Error(`serve-llama: ${String(e.message)}`);
  }
  throw new Error('serve-llama exited before listening');
}

interface Turn {
  prompt: number;
  cached: number;
  ms: number;
}

async function conversations(url: string, turns: number): Promise<Turn[]> {
  const convs = ['mini__textkit-3', 'mini__semverx-2'].map((id) => {
    const p = buildPrompts({
      toolFormat: 'text',
      workdir: '/testbed',
      task: { instance_id: id, repo: id.split('-')[0]!, problem_statement: `Issue ${id}: the function fails.` },
    });
    return [
      { role: 'system', content: p.system },
      { role: 'user', content: p.user },
    ];
  });
  const out: Turn[] = [];
  for (let t = 0; t < turns; t++) {
    for (const messages of convs) {
      const t0 = performance.now();
      const r = await fetch(`${url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages, max_tokens: 24, temperature: 0 }),
      });
      if (!r.ok) throw new Error(`turn ${t}: HTTP ${r.status} ${await r.text()}`);
      const body = (await r.json()) as {
        choices: { message: { content: string } }[];
        usage: { prompt_tokens: number; prompt_tokens_details?: { cached_tokens?: number } };
      };
      out.push({
        prompt: body.usage.prompt_tokens,
        cached: body.usage.prompt_tokens_details?.cached_tokens ?? 0,
        ms: performance.now() - t0,
      });
      messages.push({ role: 'assistant', content: body.choices[0]!.message.content });
      messages.push({ role: 'user', content: toolResponse(`ok\n${'x = compute(value)\n'.repeat(8)}`) });
    }
  }
  return out;
}

export default async function serving(args: string[]): Promise<void> {
  const turns = Number(args[0] ?? 5);
  const dtype = process.env.SWE_FORGE_LLAMA_DTYPE ?? 'f16';
  const base = namedModelDir(loadSettings().cacheDir, 'smollm2-135m-instruct');
  if (!existsSync(join(base, 'config.json')))
    throw new Error(`${base}: not converted yet; run the smol preset once or the trainer's prepare-base-model`);
  // A "new checkpoint": the same files linked into a fresh folder, so conversion runs as for a new step.
  const fresh = mkdtempSync(join(tmpdir(), 'bench-ckpt-'));
  for (const f of readdirSync(base)) if (!f.endsWith('.gguf')) symlinkSync(join(base, f), join(fresh, f));
  const results: Record<string, { turns: Turn[]; startMs: number; listening: Record<string, unknown> }> = {};
  try {
    for (const [label, model, cacheMb] of [
      ['cache', fresh, 1024],
      ['no-cache', base, 0],
    ] as const) {
      const s = await serve(model, cacheMb, dtype);
      try {
        results[label] = { turns: await conversations(s.url, turns), startMs: s.startMs, listening: s.listening };
      } finally {
        s.child.kill('SIGTERM');
      }
    }
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
  const sum = (ts: Turn[], f: (t: Turn) => number) => ts.reduce((a, t) => a + f(t), 0);
  const withC = results.cache!.turns;
  const without = results['no-cache']!.turns;
  console.log('turn  prompt  prefilled(cache)  s(cache)  prefilled(none)  s(none)');
  withC.forEach((t, i) => {
    const n = without[i]!;
    const row = [
      i,
      t.prompt,
      t.prompt - t.cached,
      (t.ms / 1000).toFixed(1),
      n.prompt - n.cached,
      (n.ms / 1000).toFixed(1),
    ];
    console.log(row.join('  '));
  });
  const prefWith = sum(withC, (t) => t.prompt - t.cached);
  const prefWithout = sum(without, (t) => t.prompt - t.cached);
  const swap = results.cache!;
  console.log(
    `swap to a new checkpoint: ${(swap.startMs / 1000).toFixed(1)} s (convert ${String(swap.listening.convert_s)} s, ` +
      `load ${String(swap.listening.load_s)} s); restart of a converted one: ${(results['no-cache']!.startMs / 1000).toFixed(1)} s`,
  );
  const ratio = prefWith / prefWithout;
  console.log(
    JSON.stringify({
      bench: 'serving',
      dtype,
      turns: withC.length,
      prefill_tokens_per_turn_cache: Math.round(prefWith / withC.length),
      prefill_tokens_per_turn_none: Math.round(prefWithout / without.length),
      seconds_cache: Number((sum(withC, (t) => t.ms) / 1000).toFixed(1)),
      seconds_none: Number((sum(without, (t) => t.ms) / 1000).toFixed(1)),
      swap_new_checkpoint_s: Number((swap.startMs / 1000).toFixed(1)),
      swap_converted_s: Number((results['no-cache']!.startMs / 1000).toFixed(1)),
      ratio: Number(ratio.toFixed(3)),
      target: TARGET,
      ok: ratio <= TARGET,
    }),
  );
}
