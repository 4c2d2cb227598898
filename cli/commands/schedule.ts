// Temporal Schedules of the evaluation workflow: `schedule create nightly-eval --cron "0 2 * * *" --config FILE`
// evaluates the newest checkpoint on the evaluation split every night and writes a report.
import type { Command } from 'commander';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client } from '@temporalio/client';
import { TASK_QUEUES, WORKFLOW_TYPES } from '../../core/constants.ts';
import { InputError } from '../../core/errors.ts';
import { RUN_ID } from '../../core/ids.ts';
import { loadRunConfig } from '../../config/load.ts';
import type { EvaluationInput } from '../../workflows/evaluation.ts';
import { action, printJson } from '../output.ts';
import { intFlag } from '../flags.ts';
import { withClient } from '../temporalClient.ts';

function checkName(name: string): string {
  if (!RUN_ID.test(name))
    throw new InputError(`NAME: ${JSON.stringify(name)} must be letters, digits, '.', '_' or '-'`);
  return name;
}

async function existing(client: Client, name: string) {
  const handle = client.schedule.getHandle(checkName(name));
  try {
    return { handle, description: await handle.describe() };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError)
      throw new InputError(`NAME: no schedule ${name} (see \`swe-forge schedule list\`)`);
    throw err;
  }
}

export function registerSchedule(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('Scheduled evaluations of the latest checkpoint (Temporal Schedules)');

  schedule
    .command('create')
    .argument('<name>', 'schedule id, e.g. nightly-eval')
    .requiredOption('--cron <expr>', 'cron expression in UTC, e.g. "0 2 * * *"')
    .requiredOption('--config <file>', 'run config: its tasks.eval split is evaluated')
    .option('--run <run>', "evaluate this run's latest checkpoint (default: the newest run with the config's name)")
    .option('--samples <n>', 'samples per task (Pass@1 and Pass@n)', intFlag(1), 1)
    .option('--paused', 'create it paused')
    .option('--json', 'print the schedule as JSON')
    .description('Create a schedule that starts evaluationWorkflow')
    .action(
      action(
        (
          name: string,
          opts: { cron: string; config: string; run?: string; samples: number; paused?: boolean; json?: boolean },
        ) =>
          withClient(async (client) => {
            const config = loadRunConfig(opts.config);
            if (!config.tasks.eval.length)
              throw new InputError(`--config: tasks.eval is empty in ${opts.config}: nothing to evaluate`);
            const samples = opts.samples;
            const args: [EvaluationInput] = [{ config, runId: opts.run, samples }];
            try {
              await client.schedule.create({
                scheduleId: checkName(name),
                spec: { cronExpressions: [opts.cron] },
                action: {
                  type: 'startWorkflow',
                  workflowType: WORKFLOW_TYPES.evaluation,
                  taskQueue: TASK_QUEUES.orchestrator,
                  workflowId: name,
                  args,
                },
                state: { paused: !!opts.paused, note: `swe-forge evaluation of ${opts.run ?? config.name}` },
                // Temporal turns cron strings into calendar specs; keep the expression the user typed for `list`.
                memo: { cron: opts.cron },
              });
            } catch (err) {
              if (err instanceof ScheduleAlreadyRunning)
                throw new InputError(`NAME: schedule ${name} exists; delete it first`);
              if (/invalid|cron/i.test((err as Error).message))
                throw new InputError(`--cron: ${(err as Error).message}`);
              throw err;
            }
            const d = await client.schedule.getHandle(name).describe();
            const next = d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString());
            if (opts.json)
              printJson({ scheduleId: name, cron: opts.cron, paused: d.state.paused, nextActionTimes: next });
            else console.log(`schedule ${name} created (${opts.cron}); next: ${next.join(', ') || '-'}`);
          }),
      ),
    );

  schedule
    .command('list')
    .option('--json', 'one JSON object per schedule, one per line')
    .description('Schedules with their state and next start')
    .action(
      action((opts: { json?: boolean }) =>
        withClient(async (client) => {
          const rows = [];
          for await (const s of client.schedule.list()) {
            const d = await client.schedule.getHandle(s.scheduleId).describe();
            rows.push({
              scheduleId: s.scheduleId,
              workflowType: s.action?.type === 'startWorkflow' ? s.action.workflowType : null,
              cron: typeof d.memo?.cron === 'string' ? [d.memo.cron] : [],
              paused: s.state.paused,
              note: s.state.note ?? null,
              nextActionTimes: s.info.nextActionTimes.slice(0, 1).map((t) => t.toISOString()),
              recentActions: d.info.recentActions.length,
            });
          }
          if (opts.json) return rows.forEach(printJson);
          if (!rows.length) return console.log('no schedules');
          for (const r of rows) {
            console.log(
              `${r.scheduleId}  ${r.paused ? 'paused' : 'active'}  ${r.cron.join(' | ') || '(spec)'}  next ${r.nextActionTimes[0] ?? '-'}  runs ${r.recentActions}`,
            );
          }
        }),
      ),
    );

  for (const [cmd, what] of [
    ['pause', 'Pause a schedule (no new starts)'],
    ['unpause', 'Unpause a schedule'],
    ['trigger', 'Start the scheduled evaluation now'],
    ['delete', 'Delete a schedule (evaluations it started keep running)'],
  ] as const) {
    schedule
      .command(cmd)
      .argument('<name>', 'schedule id')
      .option('--json', 'print the outcome as JSON')
      .description(what)
      .action(
        action((name: string, opts: { json?: boolean }) =>
          withClient(async (client) => {
            const { handle } = await existing(client, name);
            if (cmd === 'pause') await handle.pause('paused with swe-forge');
            else if (cmd === 'unpause') await handle.unpause('unpaused with swe-forge');
            else if (cmd === 'trigger') await handle.trigger();
            else await handle.delete();
            if (opts.json)
              printJson({
                scheduleId: name,
                [cmd === 'delete' ? 'deleted' : cmd === 'trigger' ? 'triggered' : 'paused']: cmd !== 'unpause',
              });
            else
              console.log(
                `schedule ${name}: ${cmd === 'delete' ? 'deleted' : cmd === 'trigger' ? 'triggered' : `${cmd}d`}`,
              );
          }),
        ),
      );
  }
}
