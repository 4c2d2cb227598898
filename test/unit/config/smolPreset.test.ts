// The `smol` preset: a real pretrained policy (a named base model the gpu worker converts, never a download) through
// every stage, TTS sampled from the trained policy; and how a named model resolves on the worker.
import { describe, expect, it } from 'vitest';
import { loadPreset } from '../../../config/load.ts';
import { STAGE_ORDER } from '../../../config/schema.ts';
import { isNamedBaseModel, namedModelDir, resolveModel } from '../../../activities/training/baseModels.ts';

describe('smol preset', () => {
  it('trains SmolLM2-135M-Instruct through every stage and samples TTS from it', () => {
    const c = loadPreset('smol');
    expect(c.models.baseModelDir).toBe('smollm2-135m-instruct');
    expect(isNamedBaseModel(c.models.baseModelDir!)).toBe(true);
    expect(c.models.policy).toMatchObject({ kind: 'trainer', toolFormat: 'text' });
    expect(c.models.policy.temperature).toBeGreaterThan(0); // GRPO groups need different samples
    expect(c.models.teachers.map((t) => t.kind)).toEqual(['scripted']);
    for (const stage of STAGE_ORDER) expect(c.stages[stage].enabled, stage).toBe(true);
    expect(c.stages.tts.model).toBe('policy');
    // Held-out tasks are never trained on, so the evaluation can report them apart.
    expect(c.tasks.eval.length).toBeGreaterThan(0);
    expect(c.stages.sft.maxSeqLen).toBeLessThanOrEqual(c.agent.contextTokens);
  });
});

describe('resolveModel', () => {
  it('passes folders through and maps a named model to its cache folder', async () => {
    const deps = { settings: { cacheDir: '/cache' } } as Parameters<typeof resolveModel>[0];
    expect(await resolveModel(deps, 'runs/r1/sft/checkpoints/step-000004', (p) => `/art/${p}`)).toBe(
      '/art/runs/r1/sft/checkpoints/step-000004',
    );
    expect(isNamedBaseModel('SmolLM2-135M-Instruct')).toBe(false); // names are exact: a folder could look alike
    expect(namedModelDir('/cache', 'smollm2-135m-instruct')).toBe('/cache/models/smollm2-135m-instruct');
  });
});
