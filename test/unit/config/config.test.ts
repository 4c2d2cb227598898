import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPreset, loadRunConfig, parseRunConfig, PRESETS } from '../../../config/load.ts';
import { ConfigError } from '../../../core/errors.ts';
import { RunConfigSchema } from '../../../config/schema.ts';
import { z } from 'zod';

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('presets', () => {
  it.each(PRESETS)('%s validates', (name) => {
    const cfg = loadPreset(name);
    expect(cfg.name).toBe(name);
    expect(cfg.stages.rl.klCoef).toBe(0);
  });

  it('swe-master carries the papers defaults', () => {
    const cfg = loadPreset('swe-master');
    expect(cfg.stages.difficulty.n).toBe(8);
    // SWE-Master keeps every success of a mixed instance (cap 9 never binds); the cap of 2 is SWE-Gym's.
    expect(cfg.stages.filter).toMatchObject({ keep: 'mixed', perInstanceCap: 9, order: 'fewest_turns' });
    expect(cfg.stages.difficulty.model).toBe('teacher');
    expect(cfg.models.policy.kind).toBe('trainer'); // RL on-policy: the gpu worker serves each checkpoint
    expect(cfg.stages.rl).toMatchObject({ groupSize: 4, alpha: 0.5, epsLow: 0.2, epsHigh: 0.28, klCoef: 0 });
    expect(cfg.agent.maxTurns).toBe(150);
    expect(cfg.stages.tts.k).toBe(8);
  });

  it('swe-gym keeps all tasks and skips RL', () => {
    const cfg = loadPreset('swe-gym');
    expect(cfg.stages.filter).toMatchObject({ keep: 'all', perInstanceCap: 2 });
    expect(cfg.stages.distill.samplesPerTask).toBeGreaterThan(2); // so the cap binds
    expect(cfg.stages.rl.enabled).toBe(false);
    expect(cfg.stages.sweWorld.kind).toBe('orm');
  });
});

describe('bad values name their dotted path', () => {
  const base = { name: 'x', models: { policy: { name: 'p', baseUrl: 'http://h:1/v1' } } };
  it.each([
    [{ stages: { rl: { groupSize: 1 } } }, 'stages.rl.groupSize', '>=2'],
    [{ stages: { rl: { epsLow: 'high' } } }, 'stages.rl.epsLow', 'expected number, received string'],
    [{ stages: { rl: { klCoef: 0.1 } } }, 'stages.rl.klCoef', '0'],
    [{ stages: { tts: { selector: 'best' } } }, 'stages.tts.selector', 'verifier'],
    [{ agent: { maxTurns: -3 } }, 'agent.maxTurns', '>0'],
    [{ models: { policy: { name: 'p', baseUrl: 'not a url' } } }, 'models.policy.baseUrl', 'URL'],
    [{ stages: { sft: { lr: 0 } } }, 'stages.sft.lr', '>0'],
    [{ stages: { bogus: {} } }, 'stages', 'bogus'],
    [{ name: 'Has Spaces' }, 'name', 'lowercase'],
  ])('%j', (override, path, expected) => {
    const msg = messageOf(() => parseRunConfig({ ...base, ...override }, 'bad.yaml'));
    expect(msg).toContain('bad.yaml');
    expect(msg).toContain(`  ${path}: `);
    expect(msg).toContain(expected);
  });

  it('a missing required field says so', () => {
    const msg = messageOf(() => parseRunConfig({ name: 'x', models: {} }, 'f.yaml'));
    expect(msg).toMatch(/models\.policy: .*expected object, received undefined/);
  });

  it('an unknown preset names the preset field', () => {
    expect(messageOf(() => parseRunConfig({ preset: 'nope' }))).toMatch(/preset: unknown preset "nope"/);
  });

  it('a file that is not YAML names the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const f = join(dir, 'broken.yaml');
    writeFileSync(f, 'name: [unclosed\n');
    expect(messageOf(() => loadRunConfig(f))).toMatch(/broken\.yaml: not valid YAML/);
  });

  it('a preset can be overridden from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const f = join(dir, 'mine.yaml');
    writeFileSync(f, 'preset: demo\nname: mine\nstages:\n  rl: { iterations: 9 }\n');
    const cfg = loadRunConfig(f);
    expect(cfg.name).toBe('mine');
    expect(cfg.stages.rl.iterations).toBe(9);
    expect(cfg.stages.rl.groupSize).toBe(loadPreset('demo').stages.rl.groupSize);
  });
});

describe('schema documentation', () => {
  it('every leaf field has a description', () => {
    const missing: string[] = [];
    const walk = (schema: z.ZodType, path: string) => {
      let s: z.ZodType = schema;
      let described = !!s.description;
      // unwrap defaults / optionals / prefaults, collecting descriptions on the way
      for (;;) {
        const def = (s as unknown as { def: { type: string; innerType?: z.ZodType; in?: z.ZodType } }).def;
        if (def.innerType && ['default', 'optional', 'prefault', 'nullable'].includes(def.type)) {
          s = def.innerType;
          described ||= !!s.description;
        } else if (def.type === 'pipe' && def.in) {
          s = def.in; // a transform after the object (stages.rl's mode-dependent defaults): its fields are the input's
          described ||= !!s.description;
        } else break;
      }
      if (s instanceof z.ZodObject) {
        for (const [k, v] of Object.entries(s.shape)) walk(v as z.ZodType, path ? `${path}.${k}` : k);
      } else if (!described) missing.push(path);
    };
    walk(RunConfigSchema, '');
    expect(missing).toEqual([]);
  });
});
