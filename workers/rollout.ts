import { runWorkerProcess, rolesFromArg } from './main.ts';

runWorkerProcess(rolesFromArg('rollout')).catch((err) => {
  console.error(err);
  process.exit(1);
});
