// The `swe-forge` command. Each group of sub-commands lives in cli/commands and registers itself; a module is
// loaded only when its command is run (Temporal, Docker, Postgres and zod clients take seconds to load), so
// `--help` and `--version` answer at once. A new command module adds one line to COMMANDS.
import { readFileSync } from 'node:fs';
import { Command, type CommanderError } from 'commander';
import { fail } from './output.ts';

type Register = (program: Command) => void;

interface Entry {
  /** Top-level command names the module registers. */
  names: string[];
  /** One line per name, shown by `swe-forge --help` without loading the module. */
  summary: string[];
  load: () => Promise<Register[]>;
}

const COMMANDS: Entry[] = [
  {
    names: ['up', 'down', 'worker'],
    summary: [
      'Start Temporal, Postgres and workers',
      'Stop a stack started with `up --detach`',
      'Run a worker process',
    ],
    load: async () => [(await import('./commands/stack.ts')).registerStack],
  },
  {
    names: ['config'],
    summary: ['Run configs: check one (every check `run` makes)'],
    load: async () => [(await import('./commands/config.ts')).registerConfig],
  },
  {
    names: ['demo'],
    summary: ['Bring the stack up and run the demo preset through every stage'],
    load: async () => [(await import('./commands/demo.ts')).registerDemo],
  },
  {
    names: ['report', 'trajectory'],
    summary: ['Write the run report', 'Inspect stored rollout trajectories (show, html)'],
    load: async () => [
      (await import('./commands/report.ts')).registerReport,
      (await import('./commands/rollout.ts')).registerRollout,
    ],
  },
  {
    names: ['compare'],
    summary: ['Runs side by side: config differences, per-stage figures, RL per iteration, TTS'],
    load: async () => [(await import('./commands/compare.ts')).registerCompare],
  },
  {
    names: ['tasks'],
    summary: ['Task instances, their environment images and validation'],
    load: async () => [(await import('./commands/tasks.ts')).registerTasks],
  },
  {
    names: ['evaluate'],
    summary: ['Evaluate model patches and write a SWE-bench-style report'],
    load: async () => [(await import('./commands/evaluate.ts')).registerEvaluate],
  },
  {
    names: ['images'],
    summary: ['Environment images built by swe-forge'],
    load: async () => [(await import('./commands/images.ts')).registerImages],
  },
  {
    names: ['rollout'],
    summary: ['Run agent rollouts on one task outside a pipeline'],
    load: async () => [(await import('./commands/rollout.ts')).registerRollout],
  },
  {
    names: ['run'],
    summary: ['Start a pipeline run and show its progress per stage'],
    load: async () => [(await import('./commands/run.ts')).registerRun],
  },
  {
    names: ['status', 'list', 'pause', 'resume', 'cancel'],
    summary: [
      'Stage and progress of a run',
      'Pipeline runs, newest first',
      'Pause a run',
      'Resume a run',
      'Cancel a run',
    ],
    load: async () => [(await import('./commands/runs.ts')).registerRuns],
  },
  {
    names: ['export', 'import'],
    summary: ['Export SFT data, trajectories and checkpoints for other tools', 'Import trajectories of other agents'],
    load: async () => [(await import('./commands/export.ts')).registerExport],
  },
  {
    names: ['schedule'],
    summary: ['Scheduled evaluations of the latest checkpoint (Temporal Schedules)'],
    load: async () => [(await import('./commands/schedule.ts')).registerSchedule],
  },
];

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

/** Usage errors (unknown option, bad flag value, missing argument) exit 2; help and --version exit 0. */
function usageExit(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? 0 : 2);
}

function overrideExits(cmd: Command): void {
  cmd.exitOverride(usageExit);
  cmd.commands.forEach(overrideExits);
}

/** The first argument that is not an option: the command the user asked for. */
function requested(argv: string[]): string | undefined {
  return argv.slice(2).find((a) => !a.startsWith('-'));
}

export async function buildProgram(argv: string[]): Promise<Command> {
  const program = new Command('swe-forge')
    .description('A durable pipeline on Temporal that trains software-engineering agents end to end')
    .version(version, '-V, --version', 'print the version')
    .showHelpAfterError();
  const name = requested(argv);
  const wanted = COMMANDS.filter((e) => name && e.names.includes(name));
  if (wanted.length) {
    const registered = new Set<Register>();
    for (const e of wanted)
      for (const r of await e.load()) {
        if (!registered.has(r)) r(program);
        registered.add(r);
      }
  } else if (name) {
    // Not in the table (a mistyped command, or a module not listed yet): load them all so commander can
    // run it, or suggest the closest name.
    const all = new Set<Register>();
    for (const e of COMMANDS) for (const r of await e.load()) all.add(r);
    all.forEach((r) => r(program));
  } else {
    for (const e of COMMANDS) e.names.forEach((n, i) => program.command(n).description(e.summary[i] ?? ''));
  }
  overrideExits(program);
  return program;
}

// `swe-forge list | head`: a closed pipe ends the command quietly instead of with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

buildProgram(process.argv)
  .then((program) => program.parseAsync(process.argv))
  .catch(fail);
