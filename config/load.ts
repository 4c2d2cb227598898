// Loading and validating run configs: YAML or JSON, an optional `preset:` to start from, one validation per
// process, and errors that name the dotted path with expected vs received.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import { describeReceived, issueLines } from '../core/zodIssues.ts';
import { RunConfigSchema, type RunConfig } from './schema.ts';

export const PRESETS = ['demo', 'smol', 'swe-master', 'swe-gym'] as const;
export type PresetName = (typeof PRESETS)[number];
const presetsDir = join(dirname(fileURLToPath(import.meta.url)), 'presets');
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key; arrays and scalars in `over` replace those in `base`. */
export function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlain(b) && isPlain(v) ? deepMerge(b, v) : v;
  }
  return out;
}

export function formatIssues(error: z.ZodError, raw: unknown, source: string): string {
  return `invalid config ${source}:\n${issueLines(error, raw)
    .map((l) => `  ${l}`)
    .join('\n')}`;
}

function readStructured(file: string): unknown {
  if (!existsSync(file)) throw new ConfigError(`config file not found: ${file}`);
  const text = readFileSync(file, 'utf8');
  try {
    return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
}

export function presetPath(name: string): string {
  if (!(PRESETS as readonly string[]).includes(name)) {
    throw new ConfigError(`preset: unknown preset ${JSON.stringify(name)} (expected one of ${PRESETS.join(', ')})`);
  }
  return join(presetsDir, `${name}.yaml`);
}

/**
 * A relative `tasks.file` written in a config file means relative to that file's folder (a preset's too). It is
 * handed on relative to the repository root when it lies inside (workers elsewhere have their own checkout),
 * absolute otherwise. Inline configs and the schema default are relative to the repository root already.
 */
function rebaseTaskFile(raw: Plain, dir: string | undefined): Plain {
  const tasks = raw.tasks;
  if (!dir || !isPlain(tasks) || typeof tasks.file !== 'string' || isAbsolute(tasks.file)) return raw;
  const abs = resolve(dir, tasks.file);
  const rel = relative(repoRoot, abs);
  return { ...raw, tasks: { ...tasks, file: rel.startsWith('..') || isAbsolute(rel) ? abs : rel } };
}

/** Resolves `preset:` chains and returns the merged raw object (not yet validated). `dir`: the config file's
 *  folder, when it came from a file. */
export function resolveRaw(raw: unknown, source: string, dir?: string): Plain {
  if (!isPlain(raw))
    throw new ConfigError(`invalid config ${source}: (root): expected a mapping (received ${describeReceived(raw)})`);
  const { preset, ...own } = raw;
  const rest = rebaseTaskFile(own, dir);
  if (preset === undefined) return rest;
  if (typeof preset !== 'string') throw new ConfigError(`invalid config ${source}:\n  preset: expected string`);
  const base = resolveRaw(readStructured(presetPath(preset)), `preset ${preset}`, presetsDir);
  return deepMerge(base, rest);
}

export function parseRunConfig(raw: unknown, source = '(inline)', dir?: string): RunConfig {
  const merged = resolveRaw(raw, source, dir);
  const result = RunConfigSchema.safeParse(merged);
  if (!result.success) throw new ConfigError(formatIssues(result.error, merged, source));
  return result.data;
}

export function loadRunConfig(file: string): RunConfig {
  const path = resolve(file);
  return parseRunConfig(readStructured(path), file, dirname(path));
}

export function loadPreset(name: PresetName): RunConfig {
  return parseRunConfig({ preset: name }, `preset ${name}`);
}
