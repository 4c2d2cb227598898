// `swe-forge report RUN` and `swe-forge trajectory html ID`: the per-run report and one rollout's viewer page.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.ts';
import { writeReport } from '../../activities/report/index.ts';
import { writeTrajectoryPage } from '../../activities/report/trajectoryPage.ts';
import { loadSettings } from '../../infra/settings.ts';
import { withDatabase } from '../database.ts';
import { action, printJson } from '../output.ts';
import { pct } from '../../activities/report/markdown.ts';

/** The `trajectory` group may be registered by another module too (`trajectory show`): find it or create it. */
export function trajectoryCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'trajectory') ??
    program.command('trajectory').description('Inspect stored rollout trajectories')
  );
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .argument('<run>', 'run id')
    .option('--out <dir>', 'write here instead of <artifacts>/runs/<run>/reports')
    .option('--json', 'print { reportPath, files, summary } as JSON')
    .description('Write the run report: Markdown, SVG + PNG figures, trajectory viewer pages')
    .action(
      action(async (run: string, opts: { out?: string; json?: boolean }) => {
        const settings = loadSettings();
        const ref = await withDatabase(
          (pool) => writeReport({ pool, settings }, { runId: run, outDir: opts.out && resolve(opts.out) }),
          { settings },
        );
        if (opts.json) return printJson(ref);
        console.log(`report: ${ref.reportPath} (${ref.files.length} files)`);
        const tts = ref.summary.tts as {
          k: number[];
          tts: { verifier: (number | null)[] };
          passK: (number | null)[];
        } | null;
        if (tts?.k.length) {
          const i = tts.k.length - 1;
          console.log(`TTS@${tts.k[i]}: ${pct(tts.tts.verifier[i])}  Pass@${tts.k[i]}: ${pct(tts.passK[i])}`);
        }
      }),
    );

  trajectoryCommand(program)
    .command('html')
    .argument('<id>', 'rollout id')
    .option('--out <file>', 'output file (default: rollout-<id>.html in the current directory)')
    .option('--json', 'print { path } as JSON')
    .description('Write a static HTML viewer of one rollout: messages, tool calls, observations, diff, outcome')
    .action(
      action(async (id: string, opts: { out?: string; json?: boolean }) => {
        const rolloutId = Number(id);
        if (!Number.isInteger(rolloutId) || rolloutId < 1)
          throw new InputError(`id: expected a rollout id (a positive integer), got ${JSON.stringify(id)}`);
        const settings = loadSettings();
        const out = resolve(opts.out ?? `rollout-${rolloutId}.html`);
        const path = await withDatabase((pool) => writeTrajectoryPage(pool, rolloutId, out), { settings });
        if (opts.json) printJson({ path });
        else console.log(path);
      }),
    );
}
