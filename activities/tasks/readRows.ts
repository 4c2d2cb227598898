// Reading the files people publish task rows in, each row with a position for error messages:
//  - JSONL (one row a line), JSON (an array of rows, one row, or an object of rows by id);
//  - parquet (Hugging Face exports), read by pyarrow in the trainer venv;
//  - a folder: Harbor-style task folders (`<task>/task.toml`, the SWE-bench record in `<task>/tests/config.json`,
//    the image in task.toml's [environment].docker_image) and nebius-style per-instance files (`<id>.json`).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../../core/errors.ts';
import type { RowError } from '../../core/task.ts';
import { readParquetRows, readToml } from '../../infra/pybridge/index.ts';

export type FileFormat = 'jsonl' | 'json' | 'parquet' | 'folder';

export interface ReadRows {
  format: FileFormat;
  entries: { line: number; raw: unknown; origin?: string }[];
  errors: RowError[];
}

function jsonRows(text: string): { line: number; raw: unknown }[] | undefined {
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    return undefined; // not one JSON document
  }
  if (Array.isArray(whole)) return whole.map((raw, i) => ({ line: i + 1, raw }));
  if (whole && typeof whole === 'object') {
    const obj = whole as Record<string, unknown>;
    const list = 'instance_id' in obj ? [obj] : Object.values(obj);
    return list.map((raw, i) => ({ line: i + 1, raw }));
  }
  return [{ line: 1, raw: whole }];
}

function jsonlRows(text: string): { entries: ReadRows['entries']; errors: RowError[] } {
  const entries: ReadRows['entries'] = [];
  const errors: RowError[] = [];
  text.split('\n').forEach((content, i) => {
    if (!content.trim()) return;
    try {
      entries.push({ line: i + 1, raw: JSON.parse(content) });
    } catch (err) {
      errors.push({ line: i + 1, field: '(json)', message: `not valid JSON: ${(err as Error).message}` });
    }
  });
  return { entries, errors };
}

/** One Harbor task folder as a row: the record in tests/config.json, the image and problem from the folder. */
async function harborRow(dir: string): Promise<Record<string, unknown>> {
  const config = join(dir, 'tests', 'config.json');
  if (!existsSync(config)) {
    throw new Error(
      'no tests/config.json: a Harbor task without the SWE-bench record has no repository and base_commit to build from',
    );
  }
  const row = JSON.parse(readFileSync(config, 'utf8')) as Record<string, unknown>;
  const toml = await readToml(join(dir, 'task.toml'));
  const image = (toml.environment as Record<string, unknown> | undefined)?.docker_image;
  if (typeof image === 'string' && row.image_name == null) row.image_name = image;
  const instruction = join(dir, 'instruction.md');
  if (row.problem_statement == null && existsSync(instruction)) row.problem_statement = readFileSync(instruction, 'utf8');
  return row;
}

async function folderRows(dir: string): Promise<{ entries: ReadRows['entries']; errors: RowError[] }> {
  const entries: ReadRows['entries'] = [];
  const errors: RowError[] = [];
  const children = existsSync(join(dir, 'task.toml'))
    ? [dir]
    : readdirSync(dir)
        .filter((n) => !n.startsWith('.'))
        .sort()
        .map((n) => join(dir, n));
  let line = 0;
  for (const child of children) {
    line++;
    try {
      if (statSync(child).isDirectory() && existsSync(join(child, 'task.toml'))) {
        entries.push({ line, raw: await harborRow(child), origin: basename(child) });
      } else if (child.endsWith('.json')) {
        entries.push({ line, raw: JSON.parse(readFileSync(child, 'utf8')), origin: basename(child) });
      } else line--; // neither a task folder nor a row file: not counted
    } catch (err) {
      errors.push({ line, field: `(${basename(child)})`, message: (err as Error).message });
    }
  }
  return { entries, errors };
}

export async function readTaskRows(file: string): Promise<ReadRows> {
  if (!existsSync(file)) throw new InputError(`task file not found: ${file}`);
  if (statSync(file).isDirectory()) return { format: 'folder', ...(await folderRows(file)) };
  if (file.endsWith('.parquet')) {
    const rows = await readParquetRows(file);
    return { format: 'parquet', entries: rows.map((raw, i) => ({ line: i + 1, raw })), errors: [] };
  }
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.json') || !file.endsWith('.jsonl')) {
    const rows = jsonRows(text);
    if (rows) return { format: 'json', entries: rows, errors: [] };
  }
  return { format: 'jsonl', ...jsonlRows(text) };
}
