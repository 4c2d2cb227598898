// `swe-forge export sft|trajectories|checkpoint` and `swe-forge import trajectories`: a run's data in the formats
// other tools read as they are (docs/export.md lists each format and the test that checks it).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { InputError } from '../../core/errors.ts';
import type { TrajectoryMessage } from '../../contracts/rollout.ts';
import { SFT_FORMATS, llamaFactoryDatasetInfo, sftRow, type SftFormat } from '../../activities/export/sftFormats.ts';
import { runPaths } from '../../infra/layout.ts';
import { loadSettings } from '../../infra/settings.ts';
import { action, printJson } from '../output.ts';
import { registerTrajectoryIo } from './trajectoriesIo.ts';

const runDataset = (run: string) => runPaths.dataset(loadSettings().artifactsDir, run, 'sft');

function readRows(file: string): { messages: TrajectoryMessage[] }[] {
  if (!existsSync(file)) throw new InputError(`RUN: no SFT dataset at ${file} (the filter stage writes it)`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as { messages: TrajectoryMessage[] };
      } catch {
        throw new InputError(`${file} line ${i + 1} is not valid JSON`);
      }
    });
}

/** Writes the run's SFT dataset in `format`; returns where and how many rows. */
export function exportSft(run: string, format: SftFormat, out?: string, from?: string) {
  const rows = readRows(from ?? runDataset(run)).map((r) => sftRow(r.messages, format));
  const file = resolve(out ?? `${run}.sft.${format}.${format === 'llamafactory' ? 'json' : 'jsonl'}`);
  mkdirSync(dirname(file), { recursive: true });
  // LLaMA-Factory reads a JSON array (and needs a dataset_info.json entry); the others read JSONL.
  if (format === 'llamafactory') {
    writeFileSync(file, `${JSON.stringify(rows, null, 1)}\n`);
    const info = join(dirname(file), 'dataset_info.json');
    const prev = existsSync(info) ? (JSON.parse(readFileSync(info, 'utf8')) as object) : {};
    writeFileSync(info, `${JSON.stringify({ ...prev, ...llamaFactoryDatasetInfo(run, basename(file)) }, null, 2)}\n`);
  } else writeFileSync(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return { run, format, path: file, rows: rows.length, withTools: rows.filter((r) => 'tools' in r).length };
}

export function registerExport(program: Command): void {
  const exp = program.command('export').description('Export a run’s data in formats other tools read as they are');
  exp
    .command('sft')
    .argument('<run>', 'run id (its filter stage wrote <artifacts>/runs/<run>/datasets/sft.jsonl)')
    .addOption(new Option('--format <format>', 'output format').choices(SFT_FORMATS).makeOptionMandatory())
    .option('--out <file>', 'output file (default: <run>.sft.<format>.jsonl, .json for llamafactory)')
    .option('--from <file>', 'read this SFT JSONL instead of the run’s dataset')
    .option('--json', 'print { path, rows, withTools } as JSON')
    .description('The SFT dataset as OpenAI fine-tuning, TRL / Hugging Face or LLaMA-Factory rows, tools included')
    .action(
      action((run: string, opts: { format: SftFormat; out?: string; from?: string; json?: boolean }) => {
        const r = exportSft(run, opts.format, opts.out, opts.from);
        if (opts.json) printJson(r);
        else console.log(`${r.rows} row(s) (${r.withTools} with tools) -> ${r.path}`);
      }),
    );

  registerTrajectoryIo(exp, program);

  exp
    .command('checkpoint')
    .argument('<id>', 'checkpoint id, e.g. myrun/rl/step-3 (see the checkpoints table or `swe-forge report`)')
    .argument('<dir>', 'new folder to write the Hugging Face model into')
    .option('--json', 'print { checkpoint, dir, files, parent } as JSON')
    .description('A checkpoint as a Hugging Face folder (no optimizer state) with a model card of its lineage')
    .action(
      action(async (id: string, dir: string, opts: { json?: boolean }) => {
        const { withDatabase } = await import('../database.ts');
        const { checkpointLineage, exportCheckpointFolder } = await import('../../activities/export/checkpoint.ts');
        const lineage = await withDatabase((pool) => checkpointLineage(pool, id));
        const { files } = exportCheckpointFolder(lineage.checkpoint.path, resolve(dir), lineage);
        if (opts.json) printJson({ checkpoint: id, dir: resolve(dir), files, parent: lineage.parent });
        else console.log(`${id} -> ${resolve(dir)} (${files.length} files; parent ${lineage.parent ?? 'base model'})`);
      }),
    );
}
