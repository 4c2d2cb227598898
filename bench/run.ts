// `npm run bench -- <name> [args]`: runs the default export of bench/<name>.ts. Each bench prints its figures and
// ends with one JSON line {"bench": name, ..., "ratio", "target", "ok"}.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

async function run(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  if (!name || !/^[a-z][a-z0-9-]*$/.test(name) || !existsSync(join(import.meta.dirname, `${name}.ts`))) {
    console.error(`usage: npm run bench -- <name> [args]  (a file bench/<name>.ts; got ${JSON.stringify(name ?? '')})`);
    process.exit(2);
  }
  const mod = (await import(`./${name}.ts`)) as { default: (args: string[]) => Promise<void> };
  await mod.default(args);
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
