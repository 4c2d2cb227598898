// The `swe-forge` command. Each group of sub-commands lives in cli/commands and registers itself here.
import { Command } from 'commander';
import { registerConfig } from './commands/config.ts';
import { registerStack } from './commands/stack.ts';
import { registerDemo } from './commands/demo.ts';
import { registerReport } from './commands/report.ts';
import { registerTasks } from './commands/tasks.ts';
import { registerEvaluate } from './commands/evaluate.ts';
import { registerImages } from './commands/images.ts';
import { registerRollout } from './commands/rollout.ts';
import { registerRun } from './commands/run.ts';
import { registerRuns } from './commands/runs.ts';
import { registerSchedule } from './commands/schedule.ts';
import { fail } from './output.ts';

const program = new Command('swe-forge')
  .description('A durable pipeline on Temporal that trains software-engineering agents end to end')
  .showHelpAfterError();
registerStack(program);
registerConfig(program);
registerDemo(program);
registerReport(program);
registerTasks(program);
registerEvaluate(program);
registerImages(program);
registerRollout(program);
registerRun(program);
registerRuns(program);
registerSchedule(program);

// `swe-forge list | head`: a closed pipe ends the command quietly instead of with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

program.parseAsync(process.argv).catch(fail);
