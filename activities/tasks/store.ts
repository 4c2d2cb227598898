// The Postgres task store: tasks imported from JSONL, with the local source each one's image is built from.
// Datasets are namespaced: a task's key (instance_id everywhere else) is its own id in the default dataset and
// `<dataset>/<id>` in any other, so two datasets with one id never collide and existing ids keep working.
import type pg from 'pg';
import { InputError } from '../../core/errors.ts';
import { TaskInstanceSchema, type TaskInstance } from '../../core/task.ts';

export type StoredTask = TaskInstance & { source_path?: string; dataset: string };

export const DEFAULT_DATASET = 'default';

export function storeKey(dataset: string, id: string): string {
  return dataset === DEFAULT_DATASET ? id : `${dataset}/${id}`;
}

/** Dataset names: what a path segment and a Docker tag part can hold. */
export function checkDatasetName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new InputError(`--dataset ${name}: letters, digits and . _ - only (at most 64), starting with a letter or digit`);
  }
  return name;
}

export interface ImportResult {
  inserted: string[];
  updated: string[];
}

interface Row {
  instance_id: string;
  data: unknown;
  source_path: string | null;
  dataset: string;
  source_id: string | null;
}

const COLUMNS = 'instance_id, data, source_path, dataset, source_id';

function fromRow(r: Row): StoredTask {
  const parsed = TaskInstanceSchema.safeParse(r.data);
  // Rows are validated on the way in; one that no longer parses was edited by hand or by an older schema.
  if (!parsed.success) throw new InputError(`stored task ${r.instance_id} no longer validates: ${parsed.error.message}`);
  const own = r.source_id ?? parsed.data.instance_id;
  return {
    ...parsed.data,
    instance_id: r.instance_id,
    ...(own !== r.instance_id ? { source_instance_id: own } : {}),
    source_path: r.source_path ?? undefined,
    dataset: r.dataset,
  };
}

export function createTaskStore(pool: pg.Pool) {
  return {
    /** Upserts validated tasks (a re-import replaces the row: the file is the source of truth). */
    async importRows(
      rows: { task: TaskInstance; sourcePath?: string }[],
      o: { dataset?: string } = {},
    ): Promise<ImportResult> {
      const dataset = o.dataset ?? DEFAULT_DATASET;
      const out: ImportResult = { inserted: [], updated: [] };
      const client = await pool.connect();
      try {
        await client.query('begin');
        for (const { task, sourcePath } of rows) {
          const { rows: r } = await client.query<{ inserted: boolean }>(
            `insert into tasks (instance_id, repo, base_commit, data, source_path, image_name, dataset, source_id)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
             on conflict (instance_id) do update set repo = excluded.repo, base_commit = excluded.base_commit,
               data = excluded.data, source_path = excluded.source_path, image_name = excluded.image_name,
               dataset = excluded.dataset, source_id = excluded.source_id, imported_at = now()
             returning (xmax = 0) as inserted`,
            [
              storeKey(dataset, task.instance_id),
              task.repo,
              task.base_commit,
              JSON.stringify(task),
              sourcePath ?? null,
              task.image_name ?? null,
              dataset,
              task.instance_id,
            ],
          );
          (r[0]?.inserted ? out.inserted : out.updated).push(storeKey(dataset, task.instance_id));
        }
        await client.query('commit');
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
      return out;
    },

    async list(o: { ids?: string[]; repo?: string; dataset?: string; limit?: number } = {}): Promise<StoredTask[]> {
      const where: string[] = [];
      const args: unknown[] = [];
      if (o.ids?.length) where.push(`instance_id = any($${args.push(o.ids)})`);
      if (o.repo) where.push(`repo = $${args.push(o.repo)}`);
      if (o.dataset) where.push(`dataset = $${args.push(o.dataset)}`);
      const sql =
        `select ${COLUMNS} from tasks ${where.length ? `where ${where.join(' and ')}` : ''} ` +
        `order by repo, instance_id ${o.limit ? `limit ${Math.floor(o.limit)}` : ''}`;
      const { rows } = await pool.query<Row>(sql, args);
      if (o.ids?.length) {
        const found = new Set(rows.map((r) => r.instance_id));
        const missing = o.ids.filter((id) => !found.has(id));
        if (missing.length) throw new InputError(`unknown task id(s): ${missing.join(', ')} (import them first)`);
      }
      return rows.map(fromRow);
    },

    async get(instanceId: string): Promise<StoredTask> {
      const { rows } = await pool.query<Row>(`select ${COLUMNS} from tasks where instance_id = $1`, [instanceId]);
      if (!rows[0]) throw new InputError(`unknown task id: ${instanceId} (import it with \`swe-forge tasks import\`)`);
      return fromRow(rows[0]);
    },

    async datasets(): Promise<{ dataset: string; tasks: number }[]> {
      const { rows } = await pool.query<{ dataset: string; tasks: number }>(
        'select dataset, count(*)::int as tasks from tasks group by dataset order by dataset',
      );
      return rows;
    },

    async count(): Promise<number> {
      const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from tasks');
      return rows[0]?.n ?? 0;
    },
  };
}

export type TaskStore = ReturnType<typeof createTaskStore>;
