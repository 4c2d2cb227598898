import type { Command } from 'commander';
import { Client } from '@temporalio/client';
import { TASK_QUEUES, WORKFLOW_TYPES } from '../../core/constants.ts';
import { loadSettings } from '../../infra/settings.ts';
import { startStack, readStackState } from '../../infra/stack.ts';
import { connectClient } from '../../infra/temporal.ts';
import { action } from '../output.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Bring the stack up and run the demo pipeline')
    .action(
      action(async () => {
        const settings = loadSettings();
        const owned = readStackState(settings) ? undefined : await startStack(settings);
        try {
          const state = owned?.state ?? readStackState(settings)!;
          console.log(`Temporal UI: ${state.uiUrl ?? '(remote server)'}`);
          const connection = await connectClient({ ...settings.temporal, address: state.temporalAddress });
          try {
            const client = new Client({ connection, namespace: state.namespace });
            const runId = `hello-${Date.now()}`;
            const result = await client.workflow.execute(WORKFLOW_TYPES.hello, {
              taskQueue: TASK_QUEUES.orchestrator,
              workflowId: `run-${runId}`,
              args: [{ runId, message: 'hello from swe-forge' }],
            });
            console.log(`hello pipeline ${runId}: event ${result.eventId} written to Postgres`);
          } finally {
            await connection.close();
          }
        } finally {
          await owned?.stop();
        }
      }),
    );
}
