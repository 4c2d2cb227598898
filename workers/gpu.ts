import { runWorkerProcess, rolesFromArg } from './main.ts';

runWorkerProcess(rolesFromArg('gpu')).catch((err) => {
  console.error(err);
  process.exit(1);
});
