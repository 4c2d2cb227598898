// `swe-forge export checkpoint ID DIR`: a checkpoint's served folder as a Hugging Face model folder that vLLM and
// transformers load as-is — weights, config and tokenizer (and a LoRA run's adapter/), none of the trainer's
// resume state — plus a model card (README.md) and lineage.json: the run's config, the datasets it trained on,
// the checkpoint it started from, and its evaluations.
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type pg from 'pg';
import { InputError } from '../../core/errors.ts';

/** Files that resume training and mean nothing to a server (optimizer.pt: checkpoints from before it moved out). */
const TRAINING_ONLY = new Set(['trainer_state.json', 'optimizer.pt', 'rng_state.pt', 'scheduler.pt']);
const isTrainingOnly = (name: string) => TRAINING_ONLY.has(name) || name.endsWith('.tmp');

export interface Lineage {
  checkpoint: { id: string; runId: string; stage: string; step: number; path: string; metrics: unknown };
  /** The checkpoint this one continued from: the previous one of the run (RL from SFT, iteration from iteration). */
  parent: string | null;
  /** What the run started from: models.policy of its config. */
  baseModel: unknown;
  config: unknown;
  datasets: { id: string; kind: string; path: string; rows: number }[];
  evaluations: { id: string; kind: string; metrics: unknown; reportPath: string | null }[];
}

export async function checkpointLineage(pool: pg.Pool, id: string): Promise<Lineage> {
  const { rows } = await pool.query(
    'select id, run_id, stage, step, path, metrics, created_at from checkpoints where id = $1',
    [id],
  );
  const c = rows[0];
  if (!c) throw new InputError(`ID: no checkpoint ${id} (the checkpoints table names them <run>/<stage>/step-N)`);
  const parent = await pool.query(
    `select id from checkpoints where run_id = $1 and stage <> 'sweWorld' and id <> $2 and created_at < $3
      order by created_at desc limit 1`,
    [c.run_id, c.id, c.created_at],
  );
  const run = await pool.query('select config from runs where run_id = $1', [c.run_id]);
  const datasets = await pool.query('select id, kind, path, rows from datasets where run_id = $1 order by id', [
    c.run_id,
  ]);
  const evals = await pool.query(
    'select id, kind, metrics, report_path from evaluations where checkpoint = $1 order by created_at',
    [c.id],
  );
  const config = (run.rows[0]?.config ?? null) as { models?: { policy?: unknown } } | null;
  return {
    checkpoint: { id: c.id, runId: c.run_id, stage: c.stage, step: c.step, path: c.path, metrics: c.metrics },
    parent: c.stage === 'sweWorld' ? null : ((parent.rows[0]?.id as string | undefined) ?? null),
    baseModel: config?.models?.policy ?? null,
    config,
    datasets: datasets.rows,
    evaluations: evals.rows.map((e) => ({ id: e.id, kind: e.kind, metrics: e.metrics, reportPath: e.report_path })),
  };
}

export function modelCard(l: Lineage): string {
  const base = l.baseModel as { name?: string } | null;
  const fence = (v: unknown) => ['```json', JSON.stringify(v, null, 2), '```'].join('\n');
  return [
    '---',
    'library_name: transformers',
    'pipeline_tag: text-generation',
    'tags: [swe-forge, software-engineering-agent]',
    '---',
    '',
    `# ${l.checkpoint.id}`,
    '',
    `A ${l.checkpoint.stage} checkpoint (step ${l.checkpoint.step}) of swe-forge run \`${l.checkpoint.runId}\`,`,
    'exported without optimizer state: load it with `transformers` or serve it with vLLM as it is.',
    '',
    '## Lineage',
    '',
    `- Started from: ${l.parent ? `checkpoint \`${l.parent}\`` : `base model \`${base?.name ?? 'unknown'}\``}`,
    `- Base policy endpoint: \`${base?.name ?? 'unknown'}\``,
    ...l.datasets.map((d) => `- Dataset \`${d.id}\` (${d.kind}, ${d.rows} rows): ${d.path}`),
    '',
    '## Evaluation',
    '',
    ...(l.evaluations.length
      ? l.evaluations.map((e) => `- \`${e.id}\` (${e.kind}): \`${JSON.stringify(e.metrics)}\``)
      : ['No evaluation of this checkpoint is recorded.']),
    '',
    '## Training metrics',
    '',
    fence(l.checkpoint.metrics),
    '',
    '## Run config',
    '',
    fence(l.config),
    '',
  ].join('\n');
}

function copyTree(src: string, dest: string, copied: string[], root = src): void {
  mkdirSync(dest, { recursive: true });
  for (const name of readdirSync(src)) {
    if (isTrainingOnly(name)) continue;
    const from = join(src, name);
    if (statSync(from).isDirectory()) copyTree(from, join(dest, name), copied, root);
    else {
      copyFileSync(from, join(dest, name));
      copied.push(relative(root, from));
    }
  }
}

/** Copies the servable files of `src` into `dest` (which must be empty or absent) and writes the card. */
export function exportCheckpointFolder(src: string, dest: string, lineage: Lineage): { files: string[] } {
  if (!existsSync(join(src, 'config.json')))
    throw new InputError(`checkpoint folder ${src} has no config.json (not a Hugging Face model folder)`);
  if (existsSync(dest) && readdirSync(dest).length)
    throw new InputError(`DIR: ${dest} is not empty (export into a new folder)`);
  const files: string[] = [];
  copyTree(src, dest, files);
  writeFileSync(join(dest, 'README.md'), modelCard(lineage));
  writeFileSync(join(dest, 'lineage.json'), `${JSON.stringify(lineage, null, 2)}\n`);
  return { files: [...files.sort(), 'README.md', 'lineage.json'] };
}
