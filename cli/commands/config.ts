import type { Command } from 'commander';
import { loadRunConfig } from '../../config/load.ts';
import { action, printJson } from '../output.ts';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('Run configs');
  config
    .command('check')
    .argument('<file>', 'YAML or JSON run config (may start from `preset: demo|swe-master|swe-gym`)')
    .option('--json', 'print the validated config as JSON')
    .description('Validate a run config; errors name the dotted path and expected vs received')
    .action(
      action((file: string, opts: { json?: boolean }) => {
        const cfg = loadRunConfig(file);
        if (opts.json) printJson({ ok: true, config: cfg });
        else console.log(`${file}: ok (run ${cfg.name}, recipe ${cfg.recipe})`);
      }),
    );
}
