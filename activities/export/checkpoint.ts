// `swe-forge export checkpoint ID DIR`: a checkpoint's served folder as a Hugging Face model folder that vLLM and
// transformers load as-is — weights, config and tokenizer (and a LoRA run's adapter/), none of the trainer's
// resume state — plus a model card (README.md) and lineage.json: the run's config, the datasets it trained on,
// the checkpoint it started from, and its evaluations.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type pg from 'pg';
import { stringify } from 'yaml';
import { InputError } from '../../core/errors.ts';
import { loadSettings } from '../../infra/settings.ts';

/** Files that resume training and mean nothing to a server (optimizer.pt: checkpoints from before it moved out). */
const TRAINING_ONLY = new Set(['trainer_state.json', 'optimizer.pt', 'rng_state.pt', 'scheduler.pt']);
const isTrainingOnly = (name: string) => TRAINING_ONLY.has(name) || name.endsWith('.tmp');

export interface BaseModel {
  /** models.baseModelDir of the run: a named base model or a folder; null: the trainer's tiny random model. */
  ref: string | null;
  kind: 'named' | 'folder' | 'tiny-random';
  /** The Hugging Face Hub id of those weights, where it is known at the source (else null: no base_model). */
  hubId: string | null;
}

export interface Lineage {
  checkpoint: { id: string; runId: string; stage: string; step: number; path: string; metrics: unknown };
  /** The checkpoint this one continued from: the previous one of the run (RL from SFT, iteration from iteration). */
  parent: string | null;
  /** The weights the run's first training step started from (models.baseModelDir), never the serving endpoint. */
  baseModel: BaseModel;
  /** The run's config with endpoint URLs and anything named like a key or token removed. */
  config: unknown;
  datasets: { id: string; kind: string; path: string; rows: number }[];
  evaluations: { id: string; kind: string; metrics: unknown; reportPath: string | null }[];
}

/** The Hub id of each named base model (activities/training/baseModels.ts): the weights its package ships
 * (trainer/swe_forge_trainer/base_models.py). Not imported from there: that module pulls in the Temporal runtime. */
export const NAMED_HUB_IDS: Record<string, string> = { 'smollm2-135m-instruct': 'HuggingFaceTB/SmolLM2-135M-Instruct' };
const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** What the run trained from, read where it is decided: the config's baseModelDir, and for a folder its own
 * config.json (`_name_or_path`, when that is a Hub id rather than a local path). */
export function baseModelOf(baseModelDir: string | undefined, artifactsDir = '.'): BaseModel {
  if (!baseModelDir) return { ref: null, kind: 'tiny-random', hubId: null };
  const named = NAMED_HUB_IDS[baseModelDir];
  if (Object.hasOwn(NAMED_HUB_IDS, baseModelDir) && named) return { ref: baseModelDir, kind: 'named', hubId: named };
  let hubId: string | null = null;
  try {
    const cfg = JSON.parse(readFileSync(join(resolve(artifactsDir, baseModelDir), 'config.json'), 'utf8')) as {
      _name_or_path?: unknown;
    };
    const recorded = cfg._name_or_path;
    if (typeof recorded === 'string' && HUB_ID.test(recorded) && !existsSync(recorded)) hubId = recorded;
  } catch {
    hubId = null; // a folder this machine cannot read: its name is all the card can say
  }
  return { ref: baseModelDir, kind: 'folder', hubId };
}

// Field names of secrets and endpoints (baseUrl, apiKey, apiKeyEnv, token, ...), not e.g. maxTokens.
const SECRET_KEY = /(url|uri|key|keyenv|secret|password|credentials?|^token|authtoken)$/i;

/** Removes endpoint URLs and secrets: every field named like one, and every string holding a URL. */
export function redact(v: unknown): unknown {
  if (typeof v === 'string') return /[a-z][a-z0-9+.-]*:\/\//i.test(v) ? '[redacted]' : v;
  if (Array.isArray(v)) return v.map(redact);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, SECRET_KEY.test(k) && x !== null ? '[redacted]' : redact(x)]),
    );
  return v;
}

export async function checkpointLineage(
  pool: pg.Pool,
  id: string,
  o: { artifactsDir?: string } = {},
): Promise<Lineage> {
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
  const config = (run.rows[0]?.config ?? null) as { models?: { baseModelDir?: string } } | null;
  return {
    checkpoint: { id: c.id, runId: c.run_id, stage: c.stage, step: c.step, path: c.path, metrics: redact(c.metrics) },
    parent: c.stage === 'sweWorld' ? null : ((parent.rows[0]?.id as string | undefined) ?? null),
    baseModel: baseModelOf(config?.models?.baseModelDir, o.artifactsDir ?? loadSettings().artifactsDir),
    config: redact(config),
    datasets: datasets.rows,
    evaluations: evals.rows.map((e) => ({
      id: e.id,
      kind: e.kind,
      metrics: redact(e.metrics),
      reportPath: e.report_path,
    })),
  };
}

/** Hugging Face model-card metadata: base_model (only when known), datasets, model-index with every numeric metric
 * of every evaluation. */
export function cardMetadata(l: Lineage): Record<string, unknown> {
  const results = l.evaluations.flatMap((e) => {
    const m = e.metrics && typeof e.metrics === 'object' ? (e.metrics as Record<string, unknown>) : {};
    const metrics = Object.entries(m)
      .filter(([, v]) => typeof v === 'number' && Number.isFinite(v))
      .map(([k, v]) => ({ type: k, value: v, name: `${e.kind} ${k}` }));
    if (!metrics.length) return [];
    return [
      {
        task: { type: 'text-generation', name: 'software-engineering issue resolution' },
        dataset: { type: e.kind, name: e.id },
        metrics,
      },
    ];
  });
  return {
    library_name: 'transformers',
    pipeline_tag: 'text-generation',
    tags: ['swe-forge', 'software-engineering-agent'],
    ...(l.baseModel.hubId ? { base_model: l.baseModel.hubId } : {}),
    ...(l.datasets.length ? { datasets: l.datasets.map((d) => d.id) } : {}),
    ...(results.length ? { 'model-index': [{ name: l.checkpoint.id, results }] } : {}),
  };
}

function describeBase(b: BaseModel): string {
  if (b.kind === 'tiny-random') return "the trainer's randomly initialised tiny model (no Hub base model)";
  const ref = `\`${b.ref}\``;
  return b.hubId ? `\`${b.hubId}\` (models.baseModelDir ${ref})` : `the folder ${ref} (no Hub id recorded in it)`;
}

export function modelCard(l: Lineage): string {
  const fence = (v: unknown) => ['```json', JSON.stringify(v, null, 2), '```'].join('\n');
  const meta = stringify(cardMetadata(l), { lineWidth: 0 }).trimEnd().split('\n');
  return [
    '---',
    ...meta,
    '---',
    '',
    `# ${l.checkpoint.id}`,
    '',
    `A ${l.checkpoint.stage} checkpoint (step ${l.checkpoint.step}) of swe-forge run \`${l.checkpoint.runId}\`,`,
    'exported without optimizer state: load it with `transformers` or serve it with vLLM as it is.',
    '',
    '## Lineage',
    '',
    `- Base model: ${describeBase(l.baseModel)}`,
    `- Continued from: ${l.parent ? `checkpoint \`${l.parent}\`` : 'the base model'}`,
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
    '## Run config (endpoint URLs and key names removed)',
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
  writeFileSync(join(dest, 'README.md'), modelCard({ ...lineage, config: redact(lineage.config) }));
  writeFileSync(
    join(dest, 'lineage.json'),
    `${JSON.stringify({ ...lineage, config: redact(lineage.config) }, null, 2)}\n`,
  );
  return { files: [...files.sort(), 'README.md', 'lineage.json'] };
}
