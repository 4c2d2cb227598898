// `swe-forge demo` (what `npm run demo` runs after the bootstrap): the documented commands, in order, printed
// before each runs — stack up, import and build the bundled tasks, run the demo preset through every stage,
// write the report — then a summary table. Nothing here is special to the demo but the order.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { SweForgeError } from '../../core/errors.ts';
import { runPaths } from '../../infra/layout.ts';
import { loadSettings } from '../../infra/settings.ts';
import { readStackState } from '../../infra/stack.ts';
import { action, printJson } from '../output.ts';
import { printSummary, type ReportSummary } from '../demoSummary.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'swe-forge.mjs');

/** With --json every step's output goes to stderr, so stdout carries the one JSON line at the end. */
let toStderr = false;

function step(args: string[]): Promise<void> {
  (toStderr ? console.error : console.log)(`\n$ swe-forge ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['inherit', toStderr ? 2 : 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new SweForgeError(`\`swe-forge ${args.join(' ')}\` failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

function utcStamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Bring the stack up and run the demo preset through every stage, then print the report summary')
    .option('--config <file>', 'run config', 'config/presets/demo.yaml')
    .option('--keep', 'leave the stack running afterwards (to browse the run in the Temporal UI)')
    .option('--json', 'steps print to stderr; stdout gets one line { runId, report, summary }')
    .action(
      action(async (opts: { config: string; keep?: boolean; json?: boolean }) => {
        toStderr = !!opts.json;
        const settings = loadSettings();
        const startedStack = !readStackState(settings);
        if (startedStack) await step(['up', '--detach']);
        try {
          await step(['tasks', 'import', 'tasks/mini/tasks.jsonl']);
          await step(['tasks', 'build']);
          const runId = `demo-${utcStamp()}`;
          // `run` prints the Temporal UI link of the run, then a progress bar per stage.
          await step(['run', '--config', opts.config, '--run-id', runId]);
          await step(['report', runId]);
          const summaryFile = join(runPaths.reports(settings.artifactsDir, runId), 'summary.json');
          const summary = existsSync(summaryFile)
            ? (JSON.parse(readFileSync(summaryFile, 'utf8')) as ReportSummary)
            : null;
          const report = join(runPaths.reports(settings.artifactsDir, runId), 'report.md');
          if (opts.json) printJson({ runId, report, summary });
          else {
            if (summary) printSummary(summary);
            console.log(`\nreport: ${report}`);
          }
        } finally {
          if (startedStack && !opts.keep) {
            await step(['down']);
            (toStderr ? console.error : console.log)(
              '(the run stays in .swe-forge/: `swe-forge up` brings the UI back with it)',
            );
          }
        }
      }),
    );
}
