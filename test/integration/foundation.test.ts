// The stack's parts are real and wired: a workflow on a real dev server runs an activity that writes a
// Postgres row, and migrations applied twice change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { TASK_QUEUES, WORKFLOW_TYPES } from '../../core/constants.ts';
import { loadWorkerConfig } from '../../config/worker.ts';
import { loadSettings } from '../../infra/settings.ts';
import { migrate, listMigrations } from '../../infra/migrate.ts';
import { createWorker } from '../../workers/run.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ prefix: 'foundation' });
});
afterAll(async () => stack?.stop());

describe('foundation stack', () => {
  it('runs a workflow whose activity writes a row that reads back', async () => {
    const address = stack.temporal!.address;
    const connection = await NativeConnection.connect({ address });
    const worker = await createWorker({
      role: 'orchestrator',
      connection,
      namespace: 'default',
      deps: { pool: stack.pool!, settings: loadSettings() },
      config: loadWorkerConfig({}),
      taskQueue: 'foundation-test',
    });
    const client = new Client({ connection: await Connection.connect({ address }) });
    try {
      const result = await worker.runUntil(
        client.workflow.execute(WORKFLOW_TYPES.hello, {
          taskQueue: 'foundation-test',
          workflowId: 'run-foundation-1',
          args: [{ runId: 'foundation-1', message: 'written by an activity' }],
        }),
      );
      const { rows } = await stack.pool!.query('select id, kind, payload from run_events where run_id = $1', [
        'foundation-1',
      ]);
      expect(rows).toHaveLength(1);
      expect(Number(rows[0].id)).toBe(result.eventId);
      expect(rows[0].payload).toEqual({ message: 'written by an activity' });
    } finally {
      await client.connection.close();
      await connection.close();
    }
    expect(TASK_QUEUES.orchestrator).toBe('swe-forge-orchestrator');
  });

  it('applies migrations once; a second pass changes nothing', async () => {
    const tables = async () =>
      (
        await stack.pool!.query(
          "select table_name, column_name from information_schema.columns where table_schema = 'public' order by 1, 2",
        )
      ).rows;
    const before = await tables();
    const again = await migrate(stack.pool!);
    expect(again.applied).toEqual([]);
    expect(again.skipped).toEqual(listMigrations().map((m) => m.name));
    expect(await tables()).toEqual(before);
    const { rows } = await stack.pool!.query('select count(*)::int as n from schema_migrations');
    expect(rows[0].n).toBe(listMigrations().length);
  });
});
