// Named base models: `models.baseModelDir: smollm2-135m-instruct` instead of a folder. The gpu worker converts a
// named model once (trainer `prepare-base-model`: weights an installed package ships, dequantised to an fp32 HF
// folder) into <cache>/models/<name> and hands that folder to every command; nothing is downloaded at run time.
// Anything that is not a known name is a folder, as before (relative: under the artifacts dir).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runTrainer, type RunnerDeps } from './runner.ts';

export const NAMED_BASE_MODELS = ['smollm2-135m-instruct'] as const;
export type NamedBaseModel = (typeof NAMED_BASE_MODELS)[number];

export const isNamedBaseModel = (v: string): v is NamedBaseModel =>
  (NAMED_BASE_MODELS as readonly string[]).includes(v);

export function namedModelDir(cacheDir: string, name: NamedBaseModel): string {
  return join(cacheDir, 'models', name);
}

/** Converts at most once per name per process at a time; a finished conversion is reused across runs. */
const pending = new Map<string, Promise<string>>();

export async function ensureNamedModel(deps: RunnerDeps, name: NamedBaseModel): Promise<string> {
  const dir = namedModelDir(deps.settings.cacheDir, name);
  if (existsSync(join(dir, 'config.json'))) return dir;
  const running = pending.get(dir);
  if (running) return running;
  const job = runTrainer(deps, {
    command: 'prepare-base-model',
    config: { name, out_dir: dir },
    // Not inside the model dir: the trainer replaces that directory whole.
    configDir: join(deps.settings.cacheDir, 'models', '.jobs', name),
    what: `prepare-base-model ${name}`,
  })
    .then(() => dir)
    .finally(() => pending.delete(dir));
  pending.set(dir, job);
  return job;
}

/** A model reference from a workflow → a folder on this worker. */
export async function resolveModel(deps: RunnerDeps, ref: string, folder: (p: string) => string): Promise<string> {
  return isNamedBaseModel(ref) ? ensureNamedModel(deps, ref) : folder(ref);
}
