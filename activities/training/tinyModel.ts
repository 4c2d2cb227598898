// make-tiny-model behind a cache: the model is a pure function of (corpus, seed), so it is built once per content
// hash under <cache>/models and copied to wherever a run wants it. A retried stage costs a copy, not a build.
import { cpSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { MakeTinyModelInput } from '../../contracts/gpu.ts';
import { resolveFrom, tinyModelDir } from './paths.ts';
import { runTrainer, type RunnerDeps } from './runner.ts';
import { tinyModelTrainerConfig } from './trainerConfig.ts';

/** Written into a copy: names the cached build it came from, so an up-to-date copy is left alone. */
const SOURCE_FILE = 'swe-forge-tiny-source.txt';

function copiedFrom(dir: string): string | undefined {
  try {
    return readFileSync(join(dir, SOURCE_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Resolves relative paths, checks the corpus exists; throws `badInput(...)` naming the field otherwise. */
export async function ensureTinyModel(
  deps: RunnerDeps,
  i: MakeTinyModelInput,
  badInput: (message: string) => Error,
): Promise<{ path: string }> {
  const { settings } = deps;
  const corpus = i.corpusFiles.map((f) => resolveFrom(settings.repoRoot, f));
  corpus.forEach((f, n) => {
    if (!existsSync(f)) throw badInput(`makeTinyModel corpusFiles[${n}]: file not found: ${f}`);
  });
  const cached = tinyModelDir(settings.cacheDir, corpus, i.seed);
  if (!existsSync(join(cached, 'config.json'))) {
    await runTrainer(deps, {
      command: 'make-tiny-model',
      config: tinyModelTrainerConfig({ outDir: cached, corpusFiles: corpus, seed: i.seed }),
      // Not inside the model dir: the trainer replaces that directory whole.
      configDir: join(dirname(cached), '.jobs', basename(cached)),
      what: `make-tiny-model ${basename(cached)}`,
    });
  }
  if (!i.outDir) return { path: cached };
  const outDir = resolveFrom(settings.artifactsDir, i.outDir);
  if (copiedFrom(outDir) === basename(cached)) return { path: outDir };
  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  cpSync(cached, tmp, { recursive: true });
  writeFileSync(join(tmp, SOURCE_FILE), `${basename(cached)}\n`);
  rmSync(outDir, { recursive: true, force: true });
  renameSync(tmp, outDir);
  return { path: outDir };
}
