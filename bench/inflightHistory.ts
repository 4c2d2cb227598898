// What one fan-out's history holds, against Temporal's limits: events, bytes, the largest workflow task (every
// rollout of a window is scheduled by one workflow-task completion), and schedule-to-start as the server saw it.
import proto from '@temporalio/proto';
import type { WorkflowHandle } from '@temporalio/client';
import { percentile } from './inflightStandIn.ts';

const { temporal } = proto;
type Event = proto.temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

/** Temporal's defaults: limit.historyCount.error, limit.historySize.error, limit.numPendingActivities.error. */
export const LIMITS = { events: 51_200, bytes: 50 * 1024 * 1024, pendingActivities: 2000 };

export interface HistoryFigures {
  events: number;
  bytes: number;
  scheduled: number;
  scheduledEventBytes: number;
  /** The most ActivityTaskScheduled events one workflow task wrote, and their bytes. */
  largestBatch: { activities: number; bytes: number };
  /** Workflow tasks that timed out or failed (a retried task re-runs the whole activation). */
  workflowTaskTimeouts: number;
  workflowTaskFailures: number;
  /** Server-side: ActivityTaskScheduled to ActivityTaskStarted event times. */
  serverScheduleToStartMs: { p50: number; p95: number; max: number };
}

const ms = (e: Event) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
const size = (e: Event) => temporal.api.history.v1.HistoryEvent.encode(e).finish().length;

export async function historyFigures(handle: WorkflowHandle): Promise<HistoryFigures> {
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const scheduledAt = new Map<number, number>();
  const waits: number[] = [];
  let batch = { activities: 0, bytes: 0 };
  let largestBatch = { ...batch };
  let scheduledEventBytes = 0;
  let workflowTaskTimeouts = 0;
  let workflowTaskFailures = 0;
  for (const e of events) {
    const id = Number(e.eventId ?? 0);
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      const b = size(e);
      scheduledEventBytes += b;
      scheduledAt.set(id, ms(e));
      batch = { activities: batch.activities + 1, bytes: batch.bytes + b };
      if (batch.activities > largestBatch.activities) largestBatch = { ...batch };
    } else if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) batch = { activities: 0, bytes: 0 };
    else if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) workflowTaskTimeouts++;
    else if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) workflowTaskFailures++;
    else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const from = scheduledAt.get(Number(e.activityTaskStartedEventAttributes?.scheduledEventId ?? 0));
      if (from !== undefined) waits.push(ms(e) - from);
    }
  }
  return {
    events: events.length,
    bytes: temporal.api.history.v1.History.encode(history).finish().length,
    scheduled: scheduledAt.size,
    scheduledEventBytes,
    largestBatch,
    workflowTaskTimeouts,
    workflowTaskFailures,
    serverScheduleToStartMs: { p50: percentile(waits, 50), p95: percentile(waits, 95), max: Math.max(...waits) },
  };
}
