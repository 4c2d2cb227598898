import { runWorkerProcess, rolesFromArg } from './main.ts';

runWorkerProcess(rolesFromArg('orchestrator')).catch((err) => {
  console.error(err);
  process.exit(1);
});
