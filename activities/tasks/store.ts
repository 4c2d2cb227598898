// The Postgres task store: tasks imported from JSONL, with the local source each one's image is built from.
import type pg from 'pg';
import { InputError } from '../../core/errors.ts';
import { TaskInstanceSchema, type TaskInstance } from '../../core/task.ts';

export type StoredTask = TaskInstance & { source_path?: string };

export interface ImportResult {
  inserted: string[];
  updated: string[];
}

interface Row {
  instance_id: string;
  data: unknown;
  source_path: string | null;
}

function fromRow(r: Row): StoredTask {
  const parsed = TaskInstanceSchema.safeParse(r.data);
  // Rows are validated on the way in; one that no longer parses was edited by hand or by an older schema.
  if (!parsed.success) throw new InputError(`stored task ${r.instance_id} no longer validates: ${parsed.error.message}`);
  return { ...parsed.data, source_path: r.source_path ?? undefined };
}

export function createTaskStore(pool: pg.Pool) {
  return {
    /** Upserts validated tasks (a re-import replaces the row: the file is the source of truth). */
    async importRows(rows: { task: TaskInstance; sourcePath?: string }[]): Promise<ImportResult> {
      const out: ImportResult = { inserted: [], updated: [] };
      const client = await pool.connect();
      try {
        await client.query('begin');
        for (const { task, sourcePath } of rows) {
          const { rows: r } = await client.query<{ inserted: boolean }>(
            `insert into tasks (instance_id, repo, base_commit, data, source_path, image_name)
             values ($1, $2, $3, $4, $5, $6)
             on conflict (instance_id) do update set repo = excluded.repo, base_commit = excluded.base_commit,
               data = excluded.data, source_path = excluded.source_path, image_name = excluded.image_name,
               imported_at = now()
             returning (xmax = 0) as inserted`,
            [task.instance_id, task.repo, task.base_commit, JSON.stringify(task), sourcePath ?? null, task.image_name ?? null],
          );
          (r[0]?.inserted ? out.inserted : out.updated).push(task.instance_id);
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

    async list(o: { ids?: string[]; repo?: string; limit?: number } = {}): Promise<StoredTask[]> {
      const where: string[] = [];
      const args: unknown[] = [];
      if (o.ids?.length) where.push(`instance_id = any($${args.push(o.ids)})`);
      if (o.repo) where.push(`repo = $${args.push(o.repo)}`);
      const sql =
        `select instance_id, data, source_path from tasks ${where.length ? `where ${where.join(' and ')}` : ''} ` +
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
      const { rows } = await pool.query<Row>('select instance_id, data, source_path from tasks where instance_id = $1', [
        instanceId,
      ]);
      if (!rows[0]) throw new InputError(`unknown task id: ${instanceId} (import it with \`swe-forge tasks import\`)`);
      return fromRow(rows[0]);
    },

    async count(): Promise<number> {
      const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from tasks');
      return rows[0]?.n ?? 0;
    },
  };
}

export type TaskStore = ReturnType<typeof createTaskStore>;
