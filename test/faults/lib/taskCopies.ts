// Copies of bundled mini tasks under new ids (same repo, commit, fix and tests): their images are this scenario's
// own, so a test that removes task images never touches the ones other tests (or runs) use.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MINI_TASKS } from '../../../dev/faultStack.ts';

export const miniRows = (): Record<string, unknown>[] =>
  readFileSync(MINI_TASKS, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Writes `rows` to `<dir>/tasks.jsonl` with the bundled repos beside it (where import finds sources). */
export function writeTaskFile(dir: string, rows: Record<string, unknown>[]): string {
  mkdirSync(dir, { recursive: true });
  symlinkSync(resolve('tasks/mini/repos'), join(dir, 'repos'));
  const file = join(dir, 'tasks.jsonl');
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

/** Writes `<dir>/tasks.jsonl` with `ids` renamed `<id><suffix>`; returns the file and the new ids. */
export function writeTaskCopies(dir: string, ids: string[], suffix: string): { file: string; ids: string[] } {
  const rows = miniRows()
    .filter((t) => ids.includes(t.instance_id as string))
    .map((t) => ({ ...t, instance_id: `${t.instance_id as string}${suffix}` }));
  return { file: writeTaskFile(dir, rows), ids: rows.map((r) => r.instance_id as string) };
}
