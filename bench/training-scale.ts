// `npm run bench -- training-scale [--smol DIR] [--steps 3] [--batch 4] [--ranks 1,2[,2n]] [--models tiny,smol]`
// SFT throughput and peak memory on CPU of the tiny model and a 135M model (SmolLM2-135M: the converted checkpoint
// when --smol names one, else a random-init model of the same config with the tiny tokenizer), for 1 and 2 ranks
// (2 = torchrun, FSDP2 over gloo). tokens/s is the trainer's own figure (labelled + prompt tokens over the training
// loop's wall time, all ranks together); peak memory is the largest resident set of any one trainer process
// (ru_maxrss of the waited children), so for 2 ranks it is per rank. Ends with one JSON line; the ratio is the
// 135M model's 2-rank tokens/s over its 1-rank tokens/s (target 0.5: two ranks on two shared cores must not be
// slower than half of one).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSettings } from '../infra/settings.ts';
import { torchrunArgs } from '../activities/training/multiNode.ts';
import { runTrainer, trainerEnv } from '../dev/trainer.ts';

const SMOL_CONFIG = {
  hidden_size: 576,
  num_hidden_layers: 30,
  intermediate_size: 1536,
  num_attention_heads: 9,
  num_key_value_heads: 3,
  vocab_size: 49152,
  tie_word_embeddings: true,
};

function randomSmol(dir: string, tokenizerDir: string): string {
  const out = join(dir, 'smol-random');
  const py = `
import json, sys, shutil
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM
import torch
torch.manual_seed(0)
LlamaForCausalLM(LlamaConfig(**json.loads(sys.argv[1]), max_position_embeddings=8192)).save_pretrained(sys.argv[2])
AutoTokenizer.from_pretrained(sys.argv[3]).save_pretrained(sys.argv[2])`;
  execFileSync(loadSettings().pythonBin, ['-c', py, JSON.stringify(SMOL_CONFIG), out, tokenizerDir], {
    env: trainerEnv(),
  });
  return out;
}

function conversations(n: number): string {
  const rows = Array.from({ length: n }, (_, i) => ({
    messages: [
      { role: 'user', content: `Fix the failing test number ${i} in module_${i}.py; the parser drops the last field.` },
      { role: 'assistant', content: `Reading module_${i}.py first. `.repeat(12) },
      { role: 'tool', content: `def parse(line):\n    return line.split(',')[:-1]\n`.repeat(6) },
      { role: 'assistant', content: `The slice drops the last field; removing it and submitting. `.repeat(10) },
    ],
  }));
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

interface Row {
  model: string;
  ranks: number;
  /** Two torchrun agents (hosts) for `--ranks 2n`. */
  nodes?: number;
  tokensPerS: number;
  peakRssMib: number;
}

/** `spec`: 1 or 2 ranks in one torchrun, or `2n`: two torchrun agents of one rank each meeting in a c10d rendezvous
 *  on localhost, as the torchrun-hosts launcher starts them on two hosts. */
function sft(model: string, data: string, dir: string, spec: string, steps: number, batch: number): Row {
  const nodes = spec.endsWith('n') ? Number(spec.slice(0, -1)) : 1;
  const ranks = nodes > 1 ? nodes : Number(spec);
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const cfg = join(out + '.json');
  const config = {
    model,
    data,
    out_dir: out,
    steps,
    batch_size: Math.max(1, batch / ranks),
    max_seq_len: 1024,
    gradient_checkpointing: true,
    save_every: 1000,
    device: 'cpu',
  };
  writeFileSync(cfg, JSON.stringify(config));
  const py = loadSettings().pythonBin;
  const trainer = ['-m', 'swe_forge_trainer', 'sft', '--config', cfg];
  const endpoint = `localhost:${29500 + Math.floor(Math.random() * 500)}`;
  const cmd =
    nodes > 1
      ? [
          py,
          ...torchrunArgs({
            nnodes: String(nodes),
            nprocPerNode: 1,
            endpoint,
            rdzvId: 'bench',
            command: 'sft',
            configPath: cfg,
          }),
        ]
      : ranks > 1
        ? [py, '-m', 'torch.distributed.run', '--standalone', `--nproc_per_node=${ranks}`, ...trainer]
        : [py, ...trainer];
  // A wrapper that starts the command once per node and reports the largest resident set among the processes it
  // waited for (ru_maxrss of the children: the ranks too, torchrun waits for them).
  const wrapper =
    'import resource, subprocess, sys; ps = [subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, text=True) ' +
    'for _ in range(int(sys.argv[1]))]; outs = [p.communicate()[0] for p in ps]; print("".join(outs)); ' +
    'print("MAXRSS", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(max(p.returncode for p in ps))';
  const stdout = execFileSync('nice', ['-n', '10', py, '-c', wrapper, String(nodes), ...cmd], {
    env: { ...trainerEnv(), SWE_FORGE_TORCH_THREADS: String(Math.max(1, 2 / ranks)) },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const done = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { event: string; metrics?: Record<string, number> })
    .find((e) => e.event === 'done');
  const kib = Number(/MAXRSS (\d+)/.exec(stdout)?.[1] ?? NaN);
  return {
    model: '',
    ranks,
    ...(nodes > 1 ? { nodes } : {}),
    tokensPerS: Math.round((done?.metrics?.tokens_per_s ?? NaN) * 10) / 10,
    peakRssMib: Math.round(kib / 1024),
  };
}

export default async function bench(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      smol: { type: 'string' },
      steps: { type: 'string', default: '3' },
      batch: { type: 'string', default: '4' },
      ranks: { type: 'string', default: '1,2' },
      // `--models tiny` skips the 135M model (minutes per step on a shared 2-core machine).
      models: { type: 'string', default: 'tiny,smol' },
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'swe-forge-scale-'));
  const corpus = join(dir, 'sft.jsonl');
  writeFileSync(corpus, conversations(16));
  const tiny = join(dir, 'tiny');
  await runTrainer('make-tiny-model', { out_dir: tiny, corpus_files: [corpus], seed: 0 }, dir);
  const wanted = values.models.split(',');
  const models: [string, string][] = [];
  if (wanted.includes('tiny')) models.push(['tiny', tiny]);
  if (wanted.includes('smol'))
    models.push([values.smol ? 'smollm2-135m' : 'smollm2-135m-config-random', values.smol ?? randomSmol(dir, tiny)]);
  const rows: Row[] = [];
  for (const [name, path] of models)
    for (const spec of values.ranks.split(',')) {
      const row = { ...sft(path, corpus, dir, spec, Number(values.steps), Number(values.batch)), model: name };
      console.log(JSON.stringify(row));
      rows.push(row);
    }
  // The ratio is the 135M model's when it ran, else the tiny model's (`ratioOf` says which).
  const ratioOf = models.at(-1)?.[0] ?? 'none';
  const of = rows.filter((r) => r.model === ratioOf);
  const ratio =
    (of.find((r) => r.ranks === 2 && !r.nodes)?.tokensPerS ?? NaN) / (of.find((r) => r.ranks === 1)?.tokensPerS ?? NaN);
  console.log(JSON.stringify({ bench: 'training-scale', rows, ratioOf, ratio, target: 0.5, ok: ratio >= 0.5 }));
}
