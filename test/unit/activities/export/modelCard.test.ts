// The exported checkpoint's model card: Hugging Face metadata (base_model only where the source names it, the
// run's datasets, a model-index of its evaluations) parsed back with a YAML parser, and no endpoint URL or key
// anywhere in README.md or lineage.json.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { NAMED_BASE_MODELS } from '../../../../activities/training/baseModels.ts';
import {
  baseModelOf,
  exportCheckpointFolder,
  modelCard,
  NAMED_HUB_IDS,
  type Lineage,
} from '../../../../activities/export/checkpoint.ts';

const dir = mkdtempSync(join(tmpdir(), 'card-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const URL = 'http://gpu-host.internal:8000/v1';
const lineage = (baseModel: Lineage['baseModel']): Lineage => ({
  checkpoint: { id: 'r1/rl/step-3', runId: 'r1', stage: 'rl', step: 3, path: '/ckpt', metrics: { loss: 0.5 } },
  parent: 'r1/sft/step-2',
  baseModel,
  config: {
    name: 'r1',
    models: {
      policy: { name: 'student', kind: 'openai', baseUrl: URL, apiKeyEnv: 'POLICY_KEY', maxTokens: 4096 },
      teachers: [{ name: 'teacher', baseUrl: 'https://user:sk-live-123@api.example.test/v1', apiKey: 'sk-live-123' }],
      baseModelDir: 'smollm2-135m-instruct',
    },
    note: `served at ${URL}`,
  },
  datasets: [{ id: 'r1/sft', kind: 'sft', path: '/data/sft.jsonl', rows: 12 }],
  evaluations: [{ id: 'eval/r1', kind: 'eval', metrics: { pass1: 0.25, passK: 0.5, label: 'x' }, reportPath: null }],
});

interface CardMeta {
  base_model?: string;
  datasets?: string[];
  library_name?: string;
  'model-index': { name: string; results: { dataset: unknown; metrics: { type: string; value: number }[] }[] }[];
}

const frontMatter = (card: string) => parse(card.split('\n---\n')[0]!.replace(/^---\n/, '')) as CardMeta;

describe('model card', () => {
  it('carries base_model, datasets and a model-index of the evaluations as YAML front matter', () => {
    const meta = frontMatter(modelCard(lineage(baseModelOf('smollm2-135m-instruct'))));
    expect(meta.base_model).toBe('HuggingFaceTB/SmolLM2-135M-Instruct');
    expect(meta.datasets).toEqual(['r1/sft']);
    expect(meta.library_name).toBe('transformers');
    const entry = meta['model-index'][0]!;
    expect(entry.name).toBe('r1/rl/step-3');
    expect(entry.results[0]!.dataset).toEqual({ type: 'eval', name: 'eval/r1' });
    expect(entry.results[0]!.metrics.map((m) => [m.type, m.value])).toEqual([
      ['pass1', 0.25],
      ['passK', 0.5],
    ]);
  });

  it('base_model comes from the source: a named model, a folder whose config names a Hub id, else none', () => {
    for (const name of NAMED_BASE_MODELS) expect(NAMED_HUB_IDS[name]).toMatch(/^[\w.-]+\/[\w.-]+$/);
    const hub = join(dir, 'hub-folder');
    mkdirSync(hub);
    writeFileSync(join(hub, 'config.json'), JSON.stringify({ _name_or_path: 'Qwen/Qwen2.5-0.5B' }));
    const local = join(dir, 'local-folder');
    mkdirSync(local);
    writeFileSync(join(local, 'config.json'), JSON.stringify({ _name_or_path: '/root/.cache/models/x' }));
    expect(baseModelOf(hub).hubId).toBe('Qwen/Qwen2.5-0.5B');
    expect(baseModelOf('hub-folder', dir).hubId).toBe('Qwen/Qwen2.5-0.5B');
    expect(baseModelOf(local)).toEqual({ ref: local, kind: 'folder', hubId: null });
    expect(baseModelOf(undefined)).toEqual({ ref: null, kind: 'tiny-random', hubId: null });
    // No Hub id known: no base_model key at all (never the endpoint's served name).
    const card = modelCard(lineage(baseModelOf(undefined)));
    expect(frontMatter(card)).not.toHaveProperty('base_model');
    expect(card).toContain('randomly initialised tiny model');
    expect(card).not.toContain('`student`');
  });

  it('no endpoint URL or key in README.md or lineage.json', () => {
    const src = join(dir, 'ckpt');
    mkdirSync(src);
    writeFileSync(join(src, 'config.json'), '{}');
    const out = join(dir, 'out');
    exportCheckpointFolder(src, out, lineage(baseModelOf('smollm2-135m-instruct')));
    for (const f of ['README.md', 'lineage.json']) {
      const text = readFileSync(join(out, f), 'utf8');
      expect(text).not.toMatch(/https?:\/\//);
      expect(text).not.toContain('gpu-host');
      expect(text).not.toContain('sk-live-123');
      expect(text).not.toContain('POLICY_KEY');
    }
    const saved = JSON.parse(readFileSync(join(out, 'lineage.json'), 'utf8'));
    expect(saved.config.models.policy).toEqual({
      name: 'student',
      kind: 'openai',
      baseUrl: '[redacted]',
      apiKeyEnv: '[redacted]',
      maxTokens: 4096,
    });
    expect(saved.baseModel.hubId).toBe('HuggingFaceTB/SmolLM2-135M-Instruct');
  });
});
