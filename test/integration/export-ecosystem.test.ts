// Exports that other tools take as they are, checked with those tools on CPU: the TRL export through TRL's own
// dataset loading and SFTTrainer (one step on a tiny model), and an exported checkpoint through transformers'
// Auto classes (the folder layout vLLM loads). The tiny model is random-init: only acceptance is checked.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_SPECS } from '../../activities/trajectory/toolSpecs.ts';
import { baseModelOf, exportCheckpointFolder, type Lineage } from '../../activities/export/checkpoint.ts';
import { loadSettings } from '../../infra/settings.ts';
import { nativeTrajectory, textTrajectory } from '../fixtures/exportTrajectories.ts';
import { runTrainer, trainerEnv } from '../../dev/trainer.ts';

const FIXTURES = resolve('test/fixtures/export');
let dir: string;
let tiny: string;

function python(script: string, args: string[]): Promise<Record<string, unknown>> {
  return new Promise((done, fail) =>
    execFile(
      loadSettings().pythonBin,
      [join(FIXTURES, script), ...args],
      { env: { ...trainerEnv(), HF_HUB_OFFLINE: '1', TOKENIZERS_PARALLELISM: 'false' }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err) return fail(new Error(`${script}: ${stderr.slice(-3000)}`));
        done(JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>);
      },
    ),
  );
}

function cli(args: string[]): Promise<string> {
  return new Promise((done, fail) =>
    execFile(process.execPath, [resolve('bin/swe-forge.mjs'), ...args], (err, stdout, stderr) =>
      err ? fail(new Error(stderr)) : done(stdout),
    ),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'export-eco-'));
  // The SFT dataset as the filter stage writes it: trajectory messages (meta included) plus the tools.
  writeFileSync(
    join(dir, 'sft.jsonl'),
    `${JSON.stringify({ messages: nativeTrajectory(), tools: TOOL_SPECS })}\n${JSON.stringify({ messages: textTrajectory() })}\n`,
  );
  tiny = join(dir, 'tiny');
  await runTrainer('make-tiny-model', { out_dir: tiny, corpus_files: [join(dir, 'sft.jsonl')], vocab_size: 600 }, dir);
}, 300_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('SFT export -> TRL', () => {
  it('TRL loads the trl export unchanged and trains a step; the prompt shows the tool schemas', async () => {
    const out = join(dir, 'trl.jsonl');
    const r = JSON.parse(
      await cli(['export', 'sft', 'demo', '--from', join(dir, 'sft.jsonl'), '--format', 'trl', '--out', out, '--json']),
    );
    expect(r).toMatchObject({ rows: 2, withTools: 1 });
    const trl = await python('trl_sft.py', [out, tiny, join(dir, 'trl-out')]);
    expect(trl.rows).toBe(2);
    expect(trl.columns).toEqual(['messages', 'tools']);
    expect(typeof trl.loss).toBe('number');
    // Row 0 (native): every tool schema in the system turn, the str_replace call with its arguments as JSON.
    expect(trl.tools_in_prompt).toEqual([true, false]);
    expect(trl.str_replace_call).toEqual([true, false]);
    expect(trl.nulls).toEqual([0, 0]);
    expect(String(trl.rendered0)).toContain('<tool_response>\n3 passed in 0.01s');
  }, 300_000);

  it('openai and llamafactory exports are written with their tools', async () => {
    const base = ['export', 'sft', 'demo', '--from', join(dir, 'sft.jsonl'), '--json'];
    const o = JSON.parse(await cli([...base, '--format', 'openai', '--out', join(dir, 'openai.jsonl')]));
    expect(o).toMatchObject({ rows: 2, withTools: 1 });
    const first = JSON.parse(readFileSync(join(dir, 'openai.jsonl'), 'utf8').split('\n')[0]!);
    expect(first.tools).toHaveLength(TOOL_SPECS.length);
    await cli([...base, '--format', 'llamafactory', '--out', join(dir, 'lf', 'data.json')]);
    const info = JSON.parse(readFileSync(join(dir, 'lf', 'dataset_info.json'), 'utf8'));
    expect(info.demo).toMatchObject({ file_name: 'data.json', formatting: 'sharegpt' });
    expect(JSON.parse(readFileSync(join(dir, 'lf', 'data.json'), 'utf8'))).toHaveLength(2);
  });
});

describe('checkpoint export -> transformers', () => {
  it('drops the trainer state, writes the card, and the folder loads and generates', async () => {
    // A served folder as the trainer leaves it, plus what only resuming needs (older checkpoints kept it inside).
    const ckpt = join(dir, 'run', 'checkpoints', 'step-000003');
    mkdirSync(ckpt, { recursive: true });
    for (const f of [
      'config.json',
      'generation_config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
      'chat_template.jinja',
    ])
      if (existsSync(join(tiny, f))) writeFileSync(join(ckpt, f), readFileSync(join(tiny, f)));
    writeFileSync(join(ckpt, 'trainer_state.json'), '{"step": 3}');
    writeFileSync(join(ckpt, 'optimizer.pt'), 'not for serving');
    const lineage: Lineage = {
      checkpoint: { id: 'r1/rl/step-3', runId: 'r1', stage: 'rl', step: 3, path: ckpt, metrics: { loss: 0.5 } },
      parent: 'r1/sft/step-2',
      baseModel: baseModelOf(tiny),
      config: { name: 'r1', recipe: 'swe-master', models: { policy: { name: 's', baseUrl: 'http://gpu:8000/v1' } } },
      datasets: [{ id: 'r1:sft', kind: 'sft', path: '/data/sft.jsonl', rows: 12 }],
      evaluations: [{ id: 'eval/r1', kind: 'eval', metrics: { pass1: 0.25 }, reportPath: null }],
    };
    const out = join(dir, 'exported');
    const { files } = exportCheckpointFolder(ckpt, out, lineage);
    expect(files).not.toContain('optimizer.pt');
    expect(files).not.toContain('trainer_state.json');
    expect(files).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'README.md', 'lineage.json']));
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    expect(card).toMatch(/^---\nlibrary_name: transformers/);
    expect(card).toContain('Continued from: checkpoint `r1/sft/step-2`');
    expect(card).not.toContain('http://gpu:8000');
    expect(card).toContain('`eval/r1` (eval): `{"pass1":0.25}`');
    // The Hub's own parser reads the metadata: the run's dataset and the evaluation; no base_model, since the tiny
    // random folder records no Hub id.
    expect(await python('read_card.py', [join(out, 'README.md')])).toEqual({
      base_model: null,
      datasets: ['r1:sft'],
      results: [{ task: 'text-generation', dataset: 'eval/r1', metric: 'pass1', value: 0.25 }],
    });
    const loaded = await python('load_checkpoint.py', [out]);
    expect(loaded).toMatchObject({ architectures: ['Qwen2ForCausalLM'], generated: 3 });
    expect(() => exportCheckpointFolder(ckpt, out, lineage)).toThrow(/not empty/);
  }, 300_000);
});
