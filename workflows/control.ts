// What every workflow of a run shares: pause / resume handled between activities and forwarded to running
// children, and progress reports sent to the root workflow (the pipeline), which answers the status query.
import {
  condition,
  getExternalWorkflowHandle,
  setHandler,
  startChild,
  workflowInfo,
  ChildWorkflowCancellationType,
  type ChildWorkflowHandle,
  type ChildWorkflowOptions,
  type Workflow,
  type WorkflowResultType,
  type WithWorkflowArgs,
} from '@temporalio/workflow';
import { pauseSignal, progressSignal, resumeSignal, type ProgressReport } from './definitions.ts';

export type ChildOptions<W extends Workflow> = Omit<ChildWorkflowOptions, 'typeInfo' | 'args'> & { args: Parameters<W> };

export interface Control {
  readonly paused: boolean;
  /** Resolves at once unless paused; call it before starting each activity or child. */
  waitIfPaused(): Promise<void>;
  /** Sends a progress report to the root workflow, or handles it here when this workflow is the root. */
  report(p: ProgressReport): void;
  /** Starts a child that inherits pause / resume, waits for its result. */
  runChild<W extends Workflow>(fn: W, options: ChildOptions<W>): Promise<WorkflowResultType<W>>;
}

export function installControl(onProgress?: (p: ProgressReport) => void): Control {
  let paused = false;
  const children = new Set<ChildWorkflowHandle<Workflow>>();
  const forward = (to: ChildWorkflowHandle<Workflow>) => {
    // A child that already finished cannot take the signal; that is fine, it has nothing left to pause.
    void to.signal(paused ? pauseSignal : resumeSignal).catch(() => undefined);
  };
  setHandler(pauseSignal, () => {
    paused = true;
    children.forEach(forward);
  });
  setHandler(resumeSignal, () => {
    paused = false;
    children.forEach(forward);
  });
  const root = workflowInfo().root;
  if (!root && onProgress) setHandler(progressSignal, onProgress);
  const toRoot = root ? getExternalWorkflowHandle(root.workflowId) : undefined;

  return {
    get paused() {
      return paused;
    },
    waitIfPaused: () => condition(() => !paused),
    report(p) {
      if (toRoot) void toRoot.signal(progressSignal, p).catch(() => undefined);
      else onProgress?.(p);
    },
    async runChild<W extends Workflow>(fn: W, options: ChildOptions<W>): Promise<WorkflowResultType<W>> {
      // By type name, as the SDK does for a function (it reads fn.name too).
      const handle = await startChild<W>(fn.name, {
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        ...options,
      } as unknown as WithWorkflowArgs<W, ChildWorkflowOptions>);
      const tracked = handle as unknown as ChildWorkflowHandle<Workflow>;
      children.add(tracked);
      if (paused) forward(tracked);
      try {
        return await handle.result();
      } finally {
        children.delete(tracked);
      }
    },
  };
}
