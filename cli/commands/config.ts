import type { Command } from 'commander';
import { loadCheckedConfig } from '../preflight/checks.ts';
import { action, printJson } from '../output.ts';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('Run configs');
  config
    .command('check')
    .argument('<file>', 'YAML or JSON run config (may start from `preset: demo|swe-master|swe-gym`)')
    .option('--json', 'print { ok, config, checks } as JSON (checks: what each check reports, by name)')
    .description(
      'Validate a run config and run every check `swe-forge run` makes; errors name the dotted path and expected vs received',
    )
    .action(
      action(async (file: string, opts: { json?: boolean }) => {
        const { config: cfg, details } = await loadCheckedConfig(file);
        if (opts.json) printJson({ ok: true, config: cfg, checks: details });
        else console.log(`${file}: ok (run ${cfg.name}, recipe ${cfg.recipe})`);
      }),
    );
}
