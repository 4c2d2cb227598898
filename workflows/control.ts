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

export type ChildOptions<W extends Workflow> = Omit<ChildWorkflowOptions, 'typeInfo' | 'args'> & {
  args: Parameters<W>;
};

export interface Control {
  readonly paused: boolean;
  /** Resolves at once unless paused; call it before starting each activity or child. */
  waitIfPaused(): Promise<void>;
  /** Sends a progress report to the root workflow, or handles it here when this workflow is the root. */
  report(p: ProgressReport): void;
  /**
   * Waits until every progress report has been handed to the server. A signal to another workflow becomes a
   * command only after a few microtasks, so a workflow that returns right after reporting would drop it.
   */
  flush(): Promise<void>;
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
  const pending = new Set<Promise<void>>();

  return {
    get paused() {
      return paused;
    },
    // No condition (and no extra workflow-task bookkeeping) on the hot path of a fan-out unless paused.
    waitIfPaused: () => (paused ? condition(() => !paused) : Promise.resolve()),
    report(p) {
      if (!toRoot) return onProgress?.(p);
      // The root may be gone (a stage run on its own, a cancelled pipeline): progress is best effort.
      const sent: Promise<void> = toRoot.signal(progressSignal, p).catch(() => undefined);
      pending.add(sent);
      void sent.finally(() => pending.delete(sent));
    },
    async flush() {
      await Promise.all([...pending]);
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

/** Runs a workflow body with a control installed, and flushes its progress reports however the body ends. */
export async function controlled<T>(
  body: (c: Control) => Promise<T>,
  onProgress?: (p: ProgressReport) => void,
): Promise<T> {
  const control = installControl(onProgress);
  try {
    return await body(control);
  } finally {
    await control.flush();
  }
}
