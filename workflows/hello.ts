import { proxyActivities } from '@temporalio/workflow';
import type { EventActivities } from '../contracts/pipeline.ts';

const { recordRunEvent } = proxyActivities<EventActivities>({ startToCloseTimeout: '1 minute' });

export interface HelloInput {
  runId: string;
  message: string;
}

/** A smoke-test workflow: proves a worker, Temporal and Postgres are wired together. */
export async function helloWorkflow(input: HelloInput): Promise<{ eventId: number }> {
  const { id } = await recordRunEvent({
    runId: input.runId,
    kind: 'hello',
    dedupeKey: `hello:${input.runId}`,
    payload: { message: input.message },
  });
  return { eventId: id };
}
