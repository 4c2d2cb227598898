// Which tasks a run trains and evaluates on: the ids in the config's task file that the task store holds (filled
// by `swe-forge tasks import`), split into train / eval by the config.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { InputError } from '../../core/errors.ts';
import { hashSeed, sampleTasks } from '../../core/sampling.ts';
import type { ActivityDeps } from '../deps.ts';
import type { LoadRunTasksInput, RunTasks } from '../../contracts/pipeline.ts';

/** Instance ids listed in a JSONL task file, or null when this worker cannot read it. */
export function idsInTaskFile(file: string, repoRoot: string): string[] | null {
  const path = isAbsolute(file) ? file : join(repoRoot, file);
  if (!existsSync(path)) return null;
  const ids: string[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const id = (JSON.parse(line) as { instance_id?: unknown }).instance_id;
        if (typeof id === 'string') ids.push(id);
      } catch {
        throw new InputError(`tasks.file: ${file} line ${i + 1} is not valid JSON`);
      }
    });
  return ids;
}

function missing(field: string, wanted: readonly string[], known: ReadonlySet<string>, hint: string): void {
  const gone = wanted.filter((id) => !known.has(id));
  if (gone.length) {
    throw new InputError(
      `${field}: ${gone.length} task(s) not in the task store (e.g. ${gone.slice(0, 3).join(', ')}); ${hint}`,
    );
  }
}

export function createTaskActivities({ pool, settings }: Pick<ActivityDeps, 'pool' | 'settings'>) {
  return {
    async loadRunTasks(input: LoadRunTasksInput): Promise<RunTasks> {
      const cfg = input.tasks;
      const hint = `import them with \`swe-forge tasks import ${cfg.file}\``;
      const { rows } = await pool.query<{ instance_id: string }>('select instance_id from tasks order by instance_id');
      const stored = new Set(rows.map((r) => r.instance_id));
      if (stored.size === 0) throw new InputError(`tasks: the task store is empty; ${hint}`);
      const fromFile = idsInTaskFile(cfg.file, settings.repoRoot);
      if (fromFile) missing('tasks.file', fromFile, stored, hint);
      const universe = [...new Set(fromFile ?? stored)].sort();
      const inUniverse = new Set(universe);
      missing('tasks.eval', cfg.eval, inUniverse, hint);
      if (cfg.train) missing('tasks.train', cfg.train, inUniverse, hint);
      const evalIds = [...new Set(cfg.eval)].sort();
      const held = new Set(evalIds);
      const overlap = (cfg.train ?? []).filter((id) => held.has(id));
      if (overlap.length)
        throw new InputError(`tasks.train: ${overlap.join(', ')} also in tasks.eval (held-out tasks never train)`);
      let train = cfg.train ? [...new Set(cfg.train)].sort() : universe.filter((id) => !held.has(id));
      // A seeded sample, not the first N ids: sorted ids cluster by repository.
      if (cfg.limit !== undefined && train.length > cfg.limit)
        train = sampleTasks(train, cfg.limit, hashSeed(input.seed, 'tasks.limit')).sort();
      return { train, eval: evalIds };
    },
  };
}
