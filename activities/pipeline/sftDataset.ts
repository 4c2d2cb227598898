// The SFT dataset: filter rules over rollout rows (core/filter.ts), then each kept trajectory file becomes one
// trainer row {"messages": [...], "tools": [...]} (tools: for a native-format student). The datasets row records
// how many trajectories every rule removed.
import { filterSftTrajectories, SFT_RULES } from '../../core/filter.ts';
import type { BuildSftDatasetInput, FilterSummary } from '../../contracts/pipeline.ts';
import type { TrajectoryMessage } from '../../contracts/rollout.ts';
import type { ActivityDeps } from '../deps.ts';
import { toolSpecsOf } from '../trajectory/toolSpecs.ts';
import { exploitRolloutIds } from '../agent/exploitCheck.ts';
import { createDifficultyActivities } from './difficulty.ts';
import { writeJsonl } from './jsonl.ts';
import { readTrajectory } from '../trajectory/store.ts';
import { fetchRollouts } from './rolloutRows.ts';
import { runPaths } from '../../infra/layout.ts';
import { forStudent } from './studentFormat.ts';
import { trainingSegments } from '../../core/context.ts';

export function createSftDatasetActivities(deps: Pick<ActivityDeps, 'pool' | 'settings'>) {
  const { taskPool } = createDifficultyActivities(deps);
  return {
    async buildSftDataset(input: BuildSftDatasetInput): Promise<FilterSummary> {
      const f = input.filter;
      const pool = await taskPool({ runId: input.runId, keep: f.keep });
      const all = await fetchRollouts(deps.pool, input.runId, input.sources ?? f.sources, input.samples);
      // Exploit-flagged trajectories (activities/agent/exploitCheck.ts) teach the exploit: never SFT data.
      const flagged = await exploitRolloutIds(deps.pool, input.runId);
      const rows = all.filter((r) => !flagged.has(r.id));
      const candidates = rows.map((r) => ({ ...r, rolloutId: r.id }));
      const { kept, removed } = filterSftTrajectories(candidates, pool && f.keep === 'mixed' ? new Set(pool) : null, {
        ...f,
        seed: input.seed,
      });
      const byId = new Map(rows.map((r) => [r.id, r]));
      let unreadable = 0;
      const lines: { messages: unknown[]; tools?: readonly unknown[] }[] = [];
      for (const k of kept) {
        const path = byId.get(k.rolloutId)?.trajectoryPath;
        const sequences = path ? sftSequences(path) : null;
        // A row without its file cannot train anything; count it rather than fail a long run over one file.
        if (!sequences?.length) unreadable++;
        else
          for (const messages of sequences) {
            const format = input.toolFormat ?? 'native';
            // A native-format student is served the tool schemas: the trainer renders them into the prompt too.
            lines.push({
              messages: forStudent(messages, format),
              ...(format === 'native' ? { tools: toolSpecsOf(messages) } : {}),
            });
          }
      }
      const name = input.name ?? 'sft';
      const path = runPaths.dataset(deps.settings.artifactsDir, input.runId, name);
      await writeJsonl(path, lines);
      const datasetId = `${input.runId}:${name}`;
      const summary: FilterSummary = {
        datasetId,
        path,
        rows: lines.length,
        poolSize: pool?.length ?? 0,
        candidates: rows.length,
        removed,
        unreadable,
      };
      const stats = {
        ...Object.fromEntries(SFT_RULES.map((r) => [`removed.${r}`, removed[r]])),
        candidates: rows.length,
        unreadable,
        'removed.exploit': all.length - rows.length,
      };
      await deps.pool.query(
        `insert into datasets (id, run_id, kind, path, rows, stats) values ($1, $2, 'sft', $3, $4, $5)
         on conflict (id) do update set path = excluded.path, rows = excluded.rows, stats = excluded.stats, created_at = now()`,
        [datasetId, input.runId, path, lines.length, stats],
      );
      return summary;
    },
  };
}

/**
 * A trajectory file's messages as trainer rows take them (null when unreadable): per-turn extras left out, except
 * on a reply cut at max tokens, which keeps `meta: { finishReason: 'length' }` so the trainer leaves the end-of-turn
 * token the chat template adds out of the loss (the teacher never produced it; docs/training.md). Exports rebuild
 * each message from known fields (export/sftFormats.ts), so the marker does not reach other tools' loaders.
 */
export function sftMessages(path: string): TrajectoryMessage[] | null {
  return sftSequences(path)?.[0] ?? null;
}

// The system message keeps the tools the rollout was given (toolSpecsOf), so its row renders the same ones.
const forTrainer = ({ meta, ...m }: TrajectoryMessage): TrajectoryMessage =>
  m.role === 'assistant' && meta?.finishReason === 'length'
    ? { ...m, meta: { finishReason: 'length' } }
    : m.role === 'system' && meta?.tools
      ? { ...m, meta: { tools: meta.tools } }
      : m;

/**
 * A trajectory's training sequences (core/context.ts: one per context the model answered in, carried replies at
 * `weight: 0`; a trajectory that never condensed is one), each message as sftMessages describes.
 */
export function sftSequences(path: string): TrajectoryMessage[][] | null {
  try {
    return trainingSegments(readTrajectory(path)).map((seq) => seq.map(forTrainer));
  } catch {
    return null;
  }
}
