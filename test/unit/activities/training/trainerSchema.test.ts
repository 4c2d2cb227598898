// What trainerConfig.ts writes, checked against the trainer's own config schema (`python -m swe_forge_trainer
// --schema`, generated from its config dataclasses): a field the trainer does not declare, a missing required one,
// a wrong type, enum value or bound fails here instead of in a training job. Presets and option combinations.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { PRESETS, parseRunConfig } from '../../../../config/load.ts';
import type { RunConfig } from '../../../../config/schema.ts';
import {
  grpoTrainerConfig,
  onnxTrainerConfig,
  serveTrainerConfig,
  sftTrainerConfig,
  tinyModelTrainerConfig,
  verifierTrainerConfig,
} from '../../../../activities/training/trainerConfig.ts';
import type { ModelPositions } from '../../../../activities/training/modelPositions.ts';
import { loadSettings } from '../../../../infra/settings.ts';
import { trainerEnv } from '../../../../dev/trainer.ts';

interface Schema {
  type?: string;
  enum?: unknown[];
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: Schema;
  minLength?: number;
  minimum?: number;
  exclusiveMinimum?: number;
}

/** The keywords the trainer's generator writes; one message per problem, naming the dotted field. */
function problems(s: Schema, v: unknown, path: string): string[] {
  if (s.anyOf) {
    const each = s.anyOf.map((o) => problems(o, v, path));
    return each.some((p) => p.length === 0) ? [] : [`${path}: ${JSON.stringify(v)} fits none of: ${each.join('; ')}`];
  }
  if (s.enum)
    return s.enum.includes(v) ? [] : [`${path}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s.enum)}`];
  const isObject = typeof v === 'object' && v !== null && !Array.isArray(v);
  const typeOk: Record<string, boolean> = {
    null: v === null,
    boolean: typeof v === 'boolean',
    integer: Number.isInteger(v),
    number: typeof v === 'number' && Number.isFinite(v),
    string: typeof v === 'string',
    array: Array.isArray(v),
    object: isObject,
  };
  if (s.type === undefined || !(s.type in typeOk)) return [`${path}: the schema has no known type`];
  if (!typeOk[s.type]) return [`${path}: ${JSON.stringify(v)} is not ${s.type}`];
  const out: string[] = [];
  if (typeof v === 'string' && s.minLength !== undefined && v.length < s.minLength) out.push(`${path}: too short`);
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) out.push(`${path}: ${v} < ${s.minimum}`);
    if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum) out.push(`${path}: ${v} <= ${s.exclusiveMinimum}`);
  }
  if (Array.isArray(v) && s.items) v.forEach((x, i) => out.push(...problems(s.items!, x, `${path}[${i}]`)));
  if (isObject) {
    const obj = v as Record<string, unknown>;
    const props = s.properties ?? {};
    for (const k of s.required ?? []) if (!(k in obj)) out.push(`${path}.${k}: required by the trainer, not written`);
    for (const [k, x] of Object.entries(obj)) {
      const p = props[k];
      if (p) out.push(...problems(p, x, `${path}.${k}`));
      else if (s.additionalProperties === false) out.push(`${path}.${k}: not a field the trainer declares`);
    }
  }
  return out;
}

let schemas: Record<string, Schema>;

/** The config file as the trainer reads it: JSON drops undefined fields. */
function check(command: string, config: object): string[] {
  const schema = schemas[command];
  if (!schema) return [`${command}: no schema (the trainer has no such command)`];
  return problems(schema, JSON.parse(JSON.stringify(config)), command);
}

/** Every builder's output for one RunConfig, by trainer command. `training: null`: an input without it. */
function written(
  cfg: RunConfig,
  o: { worldSize: number; startingModel?: ModelPositions; training?: null },
): [string, object][] {
  const { sft, rl, sweWorld } = cfg.stages;
  const { worldSize, startingModel } = o;
  const common = { outDir: '/a/out', training: o.training === null ? undefined : cfg.training };
  const verifier = (kind: 'orm' | 'swe_world') =>
    verifierTrainerConfig({ ...common, cfg: sweWorld, kind, baseModel: '/m', datasetPath: '/d.jsonl', worldSize });
  const serve = serveTrainerConfig({ checkpoint: '/c', servedName: 'policy', host: '127.0.0.1' });
  return [
    ['sft', sftTrainerConfig({ ...common, sft, baseModel: '/m', datasetPath: '/d.jsonl', worldSize, startingModel })],
    ['sft', sftTrainerConfig({ ...common, sft, baseModel: '/m', datasetPath: '/d.jsonl', worldSize, seed: cfg.seed })],
    ['grpo-step', grpoTrainerConfig({ ...common, rl, model: '/p', batchPath: '/b.jsonl' })],
    ['train-verifier', verifier('orm')],
    ['train-verifier', verifier('swe_world')],
    ['make-tiny-model', tinyModelTrainerConfig({ outDir: '/t', corpusFiles: ['/c.jsonl'], seed: cfg.seed })],
    ['export-onnx', onnxTrainerConfig({ model: '/v', outDir: '/o' })],
    ['serve', serve],
    ['serve-llama', { ...serve, dtype: 'f16' }], // policyServer.ts adds dtype for serve-llama
  ];
}

beforeAll(() => {
  const out = execFileSync(loadSettings().pythonBin, ['-m', 'swe_forge_trainer', '--schema'], {
    env: trainerEnv(),
    encoding: 'utf8',
  });
  schemas = JSON.parse(out) as Record<string, Schema>;
});

describe('trainer config files against the trainer schema', () => {
  it('the checker itself catches an undeclared field, a missing required one, a wrong type and a bad enum', () => {
    const cfg = parseRunConfig({ preset: 'demo' });
    const grpo = grpoTrainerConfig({ rl: cfg.stages.rl, model: '/p', batchPath: '/b', outDir: '/o' });
    expect(check('grpo-step', grpo)).toEqual([]);
    const { l_max: _dropped, ...withoutLMax } = grpo;
    expect(check('grpo-step', withoutLMax)).toEqual(['grpo-step.l_max: required by the trainer, not written']);
    expect(check('grpo-step', { ...grpo, kl_coef: 0 })).toEqual([
      'grpo-step.kl_coef: not a field the trainer declares',
    ]);
    expect(check('grpo-step', { ...grpo, l_max: 1.5 })).toHaveLength(1);
    expect(check('grpo-step', { ...grpo, old_logprobs: 'trainer' })).toHaveLength(1);
    expect(check('grpo-step', { ...grpo, lora: { rank: 4, alhpa: 8 } })).toEqual([
      expect.stringContaining('grpo-step.lora.alhpa: not a field the trainer declares'),
    ]);
    expect(check('grpo-step', { ...grpo, group_size: 0 })).toHaveLength(1);
  });

  it.each(PRESETS)('preset %s: every builder writes only declared fields, every required one, well typed', (name) => {
    const cfg = parseRunConfig({ preset: name });
    const all = [1, 8].flatMap((worldSize) => written(cfg, { worldSize, startingModel: { maxPositions: 32768 } }));
    expect(new Set(all.map(([command]) => command))).toEqual(
      new Set(['sft', 'grpo-step', 'train-verifier', 'make-tiny-model', 'export-onnx', 'serve', 'serve-llama']),
    );
    for (const [command, config] of all) expect(check(command, config), command).toEqual([]);
  });

  interface Combo {
    name: string;
    over: Record<string, unknown>;
    startingModel?: ModelPositions;
    /** What the option must have put in the file, so the combination checks something the presets did not. */
    reached: [command: string, fields: Record<string, unknown>];
  }
  const combos: Combo[] = [
    {
      name: 'LoRA',
      over: { training: { lora: { enabled: true, rank: 64, alpha: 128 } } },
      reached: ['grpo-step', { lora: { rank: 64, alpha: 128 } }],
    },
    {
      name: 'FSDP with CPU offload, activation offload, checkpointing, micro-batches',
      over: {
        training: { cpuOffload: true, offloadActivations: true, gradientCheckpointing: true, microBatchSize: 4 },
      },
      reached: ['sft', { engine: 'fsdp', cpu_offload: true, offload_activations: true, micro_batch_size: 4 }],
    },
    {
      name: 'DDP with cpuBf16',
      over: { training: { engine: 'ddp', cpuBf16: true } },
      reached: ['train-verifier', { engine: 'ddp', cpu_bf16: true }],
    },
    {
      name: 'YaRN over the base context',
      over: { stages: { sft: { yarnFactor: 2.5 } } },
      startingModel: { maxPositions: 32768 },
      reached: ['sft', { rope_scaling: { type: 'yarn', factor: 2.5, original_max_position_embeddings: 32768 } }],
    },
    {
      name: 'YaRN on a model stretched already',
      over: { stages: { sft: { yarnFactor: 4 } } },
      startingModel: { maxPositions: 81920, yarn: { factor: 2.5, originalMaxPositions: 32768 } },
      reached: ['sft', { rope_scaling: { type: 'yarn', factor: 4, original_max_position_embeddings: 32768 } }],
    },
    {
      name: 'tisCap with recomputed old log-probs, mini-batches',
      over: { stages: { rl: { tisCap: 2, oldLogprobs: 'recomputed', miniBatches: 4 } } },
      reached: ['grpo-step', { tis_cap: 2, old_logprobs: 'recomputed', mini_batches: 4 }],
    },
    { name: 'SFT by steps', over: { stages: { sft: { steps: 30 } } }, reached: ['sft', { steps: 30 }] },
  ];

  it.each(combos)('$name', ({ over, startingModel, reached: [command, fields] }) => {
    const cfg = parseRunConfig({ preset: 'swe-master', ...over });
    const all = written(cfg, { worldSize: 8, startingModel });
    for (const [c, config] of all) expect(check(c, config), c).toEqual([]);
    expect(all.find(([c]) => c === command)?.[1]).toMatchObject(fields);
  });

  it('a stage input recorded before `training` existed (no set-up fields) is valid too', () => {
    const all = written(parseRunConfig({ preset: 'swe-master' }), { worldSize: 1, training: null });
    expect(all.find(([c]) => c === 'sft')?.[1]).not.toHaveProperty('engine');
    for (const [command, config] of all) expect(check(command, config), command).toEqual([]);
  });
});
