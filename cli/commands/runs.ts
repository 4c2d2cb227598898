// Operating runs: status (the status query), list (visibility, with our search attributes), pause / resume
// (signals to a running run; resume of a closed run starts a new execution that skips completed stages), cancel.
import type { Command } from 'commander';
import { defaultPayloadConverter, type Client, type WorkflowHandle } from '@temporalio/client';
import { WORKFLOW_TYPES, runWorkflowId } from '../../core/constants.ts';
import { InputError } from '../../core/errors.ts';
import { loadRunConfig } from '../../config/load.ts';
import { loadSettings } from '../../infra/settings.ts';
import { readStackState } from '../../infra/stack.ts';
import type { PipelineInput } from '../../workflows/pipeline.ts';
import { SA, pauseSignal, resumeSignal, statusQuery, type PipelineStatus } from '../../workflows/definitions.ts';
import { action, printJson } from '../output.ts';
import { intFlag } from '../flags.ts';
import { renderProgress } from '../runProgress.ts';
import { rlStatus, rlStatusLines, toolStatus } from '../rlStatus.ts';
import { toolUsageLines } from '../../activities/report/toolUsage.ts';
import { withClient } from '../temporalClient.ts';
import { finish, startPipeline, watchRun } from './run.ts';

const runIdOf = (workflowId: string) => workflowId.replace(/^run-/, '');

async function execution(client: Client, runId: string): Promise<{ handle: WorkflowHandle; status: string }> {
  try {
    return await describeRun(client.workflow.getHandle(runWorkflowId(runId)), runId);
  } catch (err) {
    // A run started from the Web UI under a Workflow ID without the run- prefix: its run id is that ID.
    if (!(err instanceof InputError) || !/^RUN: no run/.test(err.message)) throw err;
    return describeRun(client.workflow.getHandle(runId), runId);
  }
}

async function describeRun(handle: WorkflowHandle, runId: string): Promise<{ handle: WorkflowHandle; status: string }> {
  try {
    const d = await handle.describe();
    if (d.type !== WORKFLOW_TYPES.pipeline)
      throw new InputError(`RUN: ${handle.workflowId} is a ${d.type}, not a pipeline run`);
    return { handle, status: d.status.name };
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError')
      throw new InputError(`RUN: no run ${runId} (list runs with \`swe-forge list\`)`);
    throw err;
  }
}

/** A query of a closed run needs a worker to replay it; give up after a while rather than hang. */
async function queryStatus(handle: WorkflowHandle, timeoutMs = 15_000): Promise<PipelineStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error('no worker answered the status query (is `swe-forge up` running?)')),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([handle.query(statusQuery), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The input the run was started with: what a resumed execution starts from (same runId, same config). */
async function originalInput(handle: WorkflowHandle): Promise<PipelineInput> {
  const history = await handle.fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload) throw new InputError(`RUN: cannot read the input of ${handle.workflowId} from its history`);
  return defaultPayloadConverter.fromPayload<PipelineInput>(payload);
}

export function registerRuns(program: Command): void {
  program
    .command('status')
    .argument('<run>', 'run id')
    .option('--json', 'print {runId, workflowId, execution, status} as JSON')
    .description('Stage, progress, rates, RL iteration, latest checkpoint and last error of a run')
    .action(
      action((runId: string, opts: { json?: boolean }) =>
        withClient(async (client) => {
          const { handle, status } = await execution(client, runId);
          // Workers of a local `swe-forge up`, with the restarts its supervisor made.
          const workers = readStackState(loadSettings())?.workers;
          const s = await queryStatus(handle).catch((err: Error) => err);
          if (opts.json)
            return printJson({
              runId,
              workflowId: handle.workflowId,
              execution: status,
              status: s instanceof Error ? null : s,
              ...(s instanceof Error ? { error: s.message } : {}),
              rl: await rlStatus(runId),
              tools: await toolStatus(runId),
              ...(workers ? { workers } : {}),
            });
          console.log(`${handle.workflowId}: ${status}`);
          for (const w of workers ?? [])
            if (w.restarts)
              console.log(
                `worker ${w.role}: restarted ${w.restarts}x (last exit ${w.lastExit?.signal ?? w.lastExit?.code})`,
              );
          if (s instanceof Error) throw new InputError(`status: ${s.message}`);
          console.log(renderProgress(s).join('\n'));
          const rl = await rlStatus(runId);
          for (const line of rlStatusLines(rl)) console.log(line);
          if (rl.error && s.rlIteration !== null) console.log(rl.error); // only worth saying for a run that has RL
          const tools = await toolStatus(runId);
          if (!('error' in tools)) for (const line of toolUsageLines(tools)) console.log(line);
        }),
      ),
    );

  program
    .command('list')
    .option('--json', 'one JSON object per run, one per line')
    .option('--query <visibility query>', 'extra filter, e.g. \'SweForgeStage="rl"\'')
    .option('--limit <n>', 'at most this many runs', intFlag(1), 50)
    .description('Pipeline runs, newest first, with their stage, recipe, model and RL iteration')
    .action(
      action((opts: { json?: boolean; query?: string; limit: number }) =>
        withClient(async (client) => {
          const query = `WorkflowType = "${WORKFLOW_TYPES.pipeline}"${opts.query ? ` AND (${opts.query})` : ''}`;
          const rows: Record<string, unknown>[] = [];
          const seen = new Set<string>();
          for await (const w of client.workflow.list({ query })) {
            if (seen.has(w.workflowId)) continue; // older executions of a resumed run
            seen.add(w.workflowId);
            const sa = w.typedSearchAttributes;
            rows.push({
              runId: runIdOf(w.workflowId),
              workflowId: w.workflowId,
              status: w.status.name,
              stage: sa.get(SA.stage) ?? null,
              recipe: sa.get(SA.recipe) ?? null,
              model: sa.get(SA.model) ?? null,
              rlIteration: sa.get(SA.rlIteration) ?? null,
              startTime: w.startTime.toISOString(),
              closeTime: w.closeTime?.toISOString() ?? null,
            });
            if (rows.length >= opts.limit) break;
          }
          if (opts.json) return rows.forEach(printJson);
          if (!rows.length) return console.log('no runs');
          const cols = ['runId', 'status', 'stage', 'recipe', 'model', 'rlIteration', 'startTime'];
          const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '-').length)));
          const line = (vals: string[]) =>
            vals
              .map((v, i) => v.padEnd(width[i]!))
              .join('  ')
              .trimEnd();
          console.log(line(cols));
          for (const r of rows) console.log(line(cols.map((c) => String(r[c] ?? '-'))));
        }),
      ),
    );

  program
    .command('pause')
    .argument('<run>', 'run id')
    .option('--json', 'print the outcome as JSON')
    .description('Pause a run between activities (running ones finish); `swe-forge resume RUN` continues it')
    .action(
      action((runId: string, opts: { json?: boolean }) =>
        withClient(async (client) => {
          const { handle, status } = await execution(client, runId);
          if (status !== 'RUNNING') throw new InputError(`RUN: run ${runId} is ${status}, not running`);
          await handle.signal(pauseSignal);
          if (opts.json) printJson({ runId, workflowId: handle.workflowId, paused: true });
          else console.log(`pausing ${runId}: running activities finish, no new one starts`);
        }),
      ),
    );

  program
    .command('resume')
    .argument('<run>', 'run id')
    .option('--config <file>', 'start the new execution with this config instead of the original one')
    .option('--detach', 'return once the new execution has started')
    .option('--json', 'print {"runId","workflowId","resumed"} (and the outcome when not detached)')
    .description('Unpause a running run, or start a closed one again: completed stages are skipped, RL continues')
    .action(
      action((runId: string, opts: { config?: string; detach?: boolean; json?: boolean }) =>
        withClient(async (client) => {
          const { handle, status } = await execution(client, runId);
          if (status === 'RUNNING') {
            await handle.signal(resumeSignal);
            if (opts.json) return printJson({ runId, workflowId: handle.workflowId, resumed: 'unpaused' });
            return console.log(`resumed ${runId} (it was running; now unpaused)`);
          }
          const input = await originalInput(handle);
          const config = opts.config ? loadRunConfig(opts.config) : input.config;
          const next = await startPipeline(client, runId, config as Parameters<typeof startPipeline>[2]);
          if (opts.json) printJson({ runId, workflowId: next.workflowId, resumed: 'new-execution', previous: status });
          else console.log(`run ${runId} was ${status}: started a new execution; completed stages are skipped`);
          if (opts.detach) return;
          const r = opts.json
            ? await next.result().then(
                () => ({ ok: true }),
                (e: Error) => ({ ok: false, error: e.message }),
              )
            : await watchRun(next, runId);
          finish(runId, next.workflowId, r, opts.json);
        }),
      ),
    );

  program
    .command('cancel')
    .argument('<run>', 'run id')
    .option('--json', 'print the outcome as JSON')
    .description('Cancel a run: its stages, fan-outs and activities (containers, trainer processes) are cancelled')
    .action(
      action((runId: string, opts: { json?: boolean }) =>
        withClient(async (client) => {
          const { handle, status } = await execution(client, runId);
          if (status !== 'RUNNING') throw new InputError(`RUN: run ${runId} is ${status}, not running`);
          await handle.cancel();
          if (opts.json) printJson({ runId, workflowId: handle.workflowId, cancelRequested: true });
          else
            console.log(`cancellation requested for ${runId}; \`swe-forge resume ${runId}\` can start it again later`);
        }),
      ),
    );
}
