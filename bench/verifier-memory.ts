// `npm run bench -- verifier-memory [--n 32] [--words 3500] [--batch 8] [--sessions 2]`
// Resident memory of in-process verifier scoring (onnxruntime-node), as the orchestrator does it for TTS and the
// held-out measurement: `--sessions` exported verifiers (a run's verifier and its baseline, or two runs), each
// scoring --n texts of about --words tokens. Each configuration runs in a child process of its own, so its peak
// (ru_maxrss) is its own. Baseline: fixed batches of --batch rows, as this project scored before. Ours: batches
// bounded by rows × width² (infra/onnx/scorer.ts). Both with onnxruntime's CPU arena (the default); ours without
// it is printed too. Figures: peak, resident after scoring with the sessions still loaded (what an idle orchestrator
// held before sessions were released when idle), and seconds; ratio = our peak / the baseline's peak.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadOnnxVerifier, type OnnxVerifier } from '../infra/onnx/scorer.ts';
import { runTrainer } from '../dev/trainer.ts';

const TARGET = 0.5; // our peak at most half the baseline's
const WORDS = ['parser', 'interval', 'slug', 'version', 'range', 'csv', 'dialect', 'wrap', 'case', 'merge', 'None'];
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

interface Config {
  arena: boolean;
  bounded: boolean;
}

interface Figures {
  peakMib: number;
  heldMib: number;
  seconds: number;
}

/** Child mode: score with one configuration, print its figures as JSON. */
async function child(dirs: string[], textsFile: string, c: Config, batch: number): Promise<void> {
  const texts = JSON.parse(readFileSync(textsFile, 'utf8')) as string[];
  const t0 = performance.now();
  const loaded: OnnxVerifier[] = [];
  for (const d of dirs) {
    const v = await loadOnnxVerifier(d, { device: 'cpu', memArena: c.arena });
    await v.scoreTexts(texts, { batchSize: batch, ...(c.bounded ? {} : { maxBatchCells: Infinity }) });
    loaded.push(v);
  }
  const f: Figures = {
    peakMib: mib(process.resourceUsage().maxRSS * 1024),
    heldMib: mib(process.memoryUsage().rss),
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
  for (const v of loaded) await v.release();
  console.log(JSON.stringify(f));
}

export default async function bench(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      n: { type: 'string', default: '32' },
      words: { type: 'string', default: '3500' },
      batch: { type: 'string', default: '8' },
      sessions: { type: 'string', default: '2' },
      child: { type: 'string' },
    },
  });
  if (values.child) {
    const { dirs, texts, config } = JSON.parse(values.child) as { dirs: string[]; texts: string; config: Config };
    return child(dirs, texts, config, Number(values.batch));
  }
  const dir = mkdtempSync(join(tmpdir(), 'swe-forge-bench-vmem-'));
  try {
    const words = Number(values.words);
    const texts = Array.from({ length: Number(values.n) }, (_, i) =>
      Array.from({ length: words }, (_, k) => WORDS[(i * 7 + k * 13) % WORDS.length]).join(' '),
    );
    writeFileSync(join(dir, 'texts.json'), JSON.stringify(texts));
    writeFileSync(join(dir, 'corpus.txt'), texts.slice(0, 4).join('\n'));
    const model = join(dir, 'model');
    await runTrainer('make-tiny-model', { out_dir: model, corpus_files: [join(dir, 'corpus.txt')], seed: 1 }, dir);
    const dirs = Array.from({ length: Number(values.sessions) }, (_, i) => join(dir, `onnx-${i}`));
    for (const d of dirs) await runTrainer('export-onnx', { model, out_dir: d }, dir);
    const run = (config: Config): Figures => {
      const out = execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          join(import.meta.dirname, 'run.ts'),
          'verifier-memory',
          '--batch',
          values.batch,
          '--child',
          JSON.stringify({ dirs, texts: join(dir, 'texts.json'), config }),
        ],
        { encoding: 'utf8' },
      );
      return JSON.parse(out.trim().split('\n').at(-1)!) as Figures;
    };
    const baseline = run({ arena: true, bounded: false });
    const ours = run({ arena: true, bounded: true });
    const noArena = run({ arena: false, bounded: true });
    console.log(`${dirs.length} sessions × ${texts.length} texts of ${words} words, batch ${values.batch}`);
    const line = (name: string, f: Figures) =>
      console.log(`${name}: peak ${f.peakMib} MiB, held ${f.heldMib} MiB, ${f.seconds} s`);
    line('baseline (fixed batches)', baseline);
    line('ours (rows × width² bound)', ours);
    line('ours without the arena', noArena);
    const ratio = Math.round((ours.peakMib / baseline.peakMib) * 100) / 100;
    console.log(
      JSON.stringify({ bench: 'verifier-memory', baseline, ours, noArena, ratio, target: TARGET, ok: ratio <= TARGET }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
