import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadSettings } from '../../infra/settings.ts';
import { isAlive, readStackState, startStack, type StackState } from '../../infra/stack.ts';
import { waitFor } from '../../infra/net.ts';
import { runWorkerProcess, rolesFromArg } from '../../workers/main.ts';
import { action, printJson } from '../output.ts';

function describe(state: StackState, json?: boolean): void {
  if (json) return printJson(state);
  console.log(`Temporal    ${state.temporalAddress} (namespace ${state.namespace})`);
  if (state.uiUrl) console.log(`Temporal UI ${state.uiUrl}`);
  console.log(`Postgres    ${state.databaseUrl.replace(/:[^:@/]*@/, ':***@')}`);
  console.log(`Workers     ${state.workers.map((w) => `${w.role} (pid ${w.pid})`).join(', ')}`);
}

export function registerStack(program: Command): void {
  program
    .command('up')
    .description('Start Temporal (dev server + UI), Postgres and workers of every role')
    .option('--detach', 'run in the background; stop with `swe-forge down`')
    .option('--json', 'print the stack state as JSON')
    .action(
      action(async (opts: { detach?: boolean; json?: boolean }) => {
        const settings = loadSettings();
        const running = readStackState(settings);
        if (running) {
          if (!opts.json) console.log('swe-forge is already up:');
          return describe(running, opts.json);
        }
        if (opts.detach) {
          mkdirSync(join(settings.dataDir, 'logs'), { recursive: true });
          const log = join(settings.dataDir, 'logs', 'up.log');
          const out = openSync(log, 'a');
          const child = spawn(process.execPath, [process.argv[1]!, 'up'], {
            detached: true,
            stdio: ['ignore', out, out],
          });
          child.unref();
          const state = await waitFor(
            'the stack to come up',
            async () => {
              if (child.pid && !isAlive(child.pid)) throw new Error(`up exited; see ${log}`);
              return readStackState(settings);
            },
            180_000,
          );
          return describe(state, opts.json);
        }
        const stack = await startStack(settings);
        describe(stack.state, opts.json);
        if (!opts.json) console.log('Press Ctrl-C to stop.');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await stack.stop();
        if (!opts.json) console.log('stopped');
      }),
    );
  program
    .command('down')
    .description('Stop a stack started with `up --detach`')
    .option('--json', 'print what was stopped as JSON')
    .action(
      action(async (opts: { json?: boolean }) => {
        const settings = loadSettings();
        const state = readStackState(settings);
        if (!state) {
          if (opts.json) printJson({ stopped: false });
          else console.log('swe-forge is not running');
          return;
        }
        process.kill(state.pid, 'SIGTERM');
        await waitFor('the stack to stop', async () => (isAlive(state.pid) ? undefined : true), 60_000);
        if (opts.json) printJson({ stopped: true, pid: state.pid });
        else console.log(`stopped (pid ${state.pid})`);
      }),
    );
  program
    .command('worker')
    .description('Run a worker process for one role')
    .requiredOption('--role <role>', 'orchestrator | rollout | gpu | all')
    .action(action((opts: { role: string }) => runWorkerProcess(rolesFromArg(opts.role))));
}
