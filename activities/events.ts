// The run audit log: append-only, idempotent on a dedupe key so a retried activity writes once.
import type { EventActivities, RecordRunEventInput } from '../contracts/pipeline.ts';
import type { ActivityDeps } from './deps.ts';

export function createEventActivities({ pool }: Pick<ActivityDeps, 'pool'>) {
  return {
    async recordRunEvent(input: RecordRunEventInput): Promise<{ id: number; inserted: boolean }> {
      const { rows } = await pool.query<{ id: string }>(
        `insert into run_events (run_id, kind, dedupe_key, payload) values ($1, $2, $3, $4)
         on conflict (dedupe_key) do nothing returning id`,
        [input.runId, input.kind, input.dedupeKey ?? null, input.payload ?? {}],
      );
      if (rows[0]) return { id: Number(rows[0].id), inserted: true };
      const existing = await pool.query<{ id: string }>('select id from run_events where dedupe_key = $1', [
        input.dedupeKey,
      ]);
      return { id: Number(existing.rows[0]?.id ?? 0), inserted: false };
    },
  } satisfies EventActivities;
}
