// Runs the Python trainer's CLI for tests and benches: writes the config, spawns `python -m swe_forge_trainer`,
// returns the `done` event (or throws with the error event and the stderr tail).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSettings } from '../infra/settings.ts';

export interface TrainerDone {
  checkpoint: string | null;
  metrics: Record<string, unknown>;
  /** Wall time of the whole process, milliseconds. */
  wallMs: number;
}

export function trainerEnv(): NodeJS.ProcessEnv {
  const { repoRoot } = loadSettings();
  return { ...process.env, PYTHONPATH: join(repoRoot, 'trainer'), SWE_FORGE_LOG_LEVEL: 'WARNING' };
}

export async function runTrainer(command: string, config: Record<string, unknown>, dir: string): Promise<TrainerDone> {
  const cfgPath = join(dir, `${command}-${Date.now()}.json`);
  writeFileSync(cfgPath, JSON.stringify(config));
  const started = performance.now();
  const child = spawn(loadSettings().pythonBin, ['-m', 'swe_forge_trainer', command, '--config', cfgPath], {
    env: trainerEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const events = out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { event: string } & Record<string, unknown>);
  const done = events.find((e) => e.event === 'done');
  if (code !== 0 || !done) {
    const error = events.find((e) => e.event === 'error');
    throw new Error(
      `trainer ${command} exited ${code}: ${JSON.stringify(error)}\n${err.split('\n').slice(-20).join('\n')}`,
    );
  }
  return {
    checkpoint: (done.checkpoint as string | null) ?? null,
    metrics: (done.metrics as Record<string, unknown>) ?? {},
    wallMs: performance.now() - started,
  };
}

/** Token ids from the Python tokenizer the trainer's `score` uses (transformers AutoTokenizer on the model dir). */
export async function pythonTokenIds(modelDir: string, textsFile: string): Promise<number[][]> {
  const code =
    'import json,sys\nfrom transformers import AutoTokenizer\n' +
    't = AutoTokenizer.from_pretrained(sys.argv[1])\n' +
    'texts = json.load(open(sys.argv[2], encoding="utf-8"))\n' +
    'print(json.dumps([t.encode(x, add_special_tokens=False) for x in texts]))';
  const child = spawn(loadSettings().pythonBin, ['-c', code, modelDir, textsFile], {
    env: trainerEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code2 = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code2 !== 0) throw new Error(`python tokenizer exited ${code2}: ${err.slice(-2000)}`);
  return JSON.parse(out.trim().split('\n').pop()!) as number[][];
}
