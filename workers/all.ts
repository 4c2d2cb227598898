import { runWorkerProcess, rolesFromArg } from './main.ts';

runWorkerProcess(rolesFromArg('all')).catch((err) => {
  console.error(err);
  process.exit(1);
});
