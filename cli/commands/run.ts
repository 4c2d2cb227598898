// `swe-forge run --config FILE`: validate the config here (dotted-path errors before anything starts), start the
// pipeline workflow, then draw progress bars from its status query until it ends (or return at once: --detach).
import type { Command } from 'commander';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { TASK_QUEUES, WORKFLOW_TYPES, runWorkflowId } from '../../core/constants.ts';
import { InputError } from '../../core/errors.ts';
import { isRunId, runIdMessage } from '../../core/ids.ts';
import type { RunConfig } from '../../config/schema.ts';
import { loadCheckedConfig } from '../preflight/checks.ts';
import { SA, statusQuery } from '../../workflows/definitions.ts';
import { runDetails, runSummary } from '../../workflows/details.ts';
import { action, printJson } from '../output.ts';
import { green, red } from '../colour.ts';
import { progressView } from '../runProgress.ts';
import { withClient } from '../temporalClient.ts';

export interface WatchResult {
  ok: boolean;
  error?: string;
}

/** The innermost cause of a workflow failure: "stage sft failed: ..." rather than "Workflow execution failed". */
export function failureText(err: unknown): string {
  let msg = String(err);
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 6; depth++) {
    if (e.message) msg = e.message;
    e = (e as { cause?: unknown }).cause;
    if (e instanceof Error && /stage \w+ failed/.test(e.message)) return e.message;
  }
  return msg;
}

/** Shows progress until the run ends; Ctrl-C only stops watching, the run goes on. */
export async function watchRun(handle: WorkflowHandle, runId: string): Promise<WatchResult> {
  const view = progressView();
  let settled: WatchResult | undefined;
  const done = handle.result().then(
    (): WatchResult => ({ ok: true }),
    (err: unknown): WatchResult => ({ ok: false, error: failureText(err) }),
  );
  void done.then((r) => (settled = r));
  const detach = () => {
    view.note(`detached; the run goes on. Watch it with \`swe-forge status ${runId}\``);
    process.exit(130);
  };
  process.once('SIGINT', detach);
  try {
    for (;;) {
      const status = await handle.query(statusQuery).catch(() => undefined);
      if (settled) {
        // Asked again after the end, so the table shows the final state (queries answer closed runs too).
        const last = (await handle.query(statusQuery).catch(() => undefined)) ?? status;
        if (last) view.final(last);
        return settled;
      }
      if (status) view.show(status);
      await Promise.race([done, new Promise((r) => setTimeout(r, 1000))]);
    }
  } finally {
    process.off('SIGINT', detach);
  }
}

export async function startPipeline(client: Client, runId: string, config: RunConfig): Promise<WorkflowHandle> {
  try {
    return await client.workflow.start(WORKFLOW_TYPES.pipeline, {
      taskQueue: TASK_QUEUES.orchestrator,
      workflowId: runWorkflowId(runId),
      args: [{ runId, config }],
      // What the Web UI's workflow list and detail page show before anyone runs a query.
      staticSummary: runSummary(runId, config),
      staticDetails: runDetails(config),
      // Set at start so `temporal workflow list --query` finds the run before its first workflow task.
      typedSearchAttributes: [
        { key: SA.stage, value: 'starting' },
        { key: SA.recipe, value: config.recipe },
        { key: SA.model, value: config.models.policy.name },
      ],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new InputError(`--run-id: run ${runId} is already running; watch it with \`swe-forge status ${runId}\``);
    }
    throw err;
  }
}

/** Prints the outcome and sets the exit code: 0 completed, 1 failed or cancelled. */
export function finish(runId: string, workflowId: string, r: WatchResult, json?: boolean): void {
  if (json)
    printJson({ runId, workflowId, status: r.ok ? 'completed' : 'failed', ...(r.error ? { error: r.error } : {}) });
  else if (r.ok) console.log(green(`run ${runId} completed`));
  else
    console.error(
      `${red(`run ${runId} failed`, process.stderr)}: ${r.error}\nresume it with \`swe-forge resume ${runId}\``,
    );
  // Exit now rather than via process.exitCode: embedded Postgres's exit hook (when loaded) resets that to 0.
  if (!r.ok) process.exit(1);
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Start a pipeline run and show its progress per stage')
    .requiredOption('--config <file>', 'YAML or JSON run config (may start from `preset: demo`)')
    .option('--run-id <id>', 'run id (default: <config name>-<UTC time>)')
    .option('--detach', 'return once the run has started')
    .option('--json', 'print {"runId","workflowId"} once started (and the outcome when not detached)')
    .action(
      action(async (opts: { config: string; runId?: string; detach?: boolean; json?: boolean }) => {
        // The same checks as `swe-forge config check` (cli/preflight/checks.ts).
        const { config } = await loadCheckedConfig(opts.config);
        const runId = opts.runId ?? `${config.name}-${stamp()}`;
        if (!isRunId(runId)) throw new InputError(runIdMessage('--run-id', runId));
        await withClient(async (client, info) => {
          const handle = await startPipeline(client, runId, config);
          if (opts.json) printJson({ runId, workflowId: handle.workflowId });
          else {
            console.log(`started run ${runId} (workflow ${handle.workflowId}, task queue ${TASK_QUEUES.orchestrator})`);
            if (info.uiUrl)
              console.log(
                `Temporal UI: ${info.uiUrl}/namespaces/${client.options.namespace}/workflows/${encodeURIComponent(handle.workflowId)}`,
              );
          }
          if (opts.detach) return;
          const r = opts.json
            ? await handle.result().then(
                () => ({ ok: true }),
                (e: unknown) => ({ ok: false, error: failureText(e) }),
              )
            : await watchRun(handle, runId);
          finish(runId, handle.workflowId, r, opts.json);
        });
      }),
    );
}
