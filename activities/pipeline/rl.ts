// The RL loop's bookkeeping: the GRPO batch of an iteration (rewards from rollout rows, leave-one-out advantages),
// per-iteration metrics, and where a resumed loop picks up (last completed iteration and its checkpoint).
import { batchAdvantages, groupSignal } from '../../core/advantage.ts';
import { rlSampleRange } from '../../core/sampling.ts';
import type { ActivityDeps } from '../deps.ts';
import type {
  GrpoBatchInput,
  GrpoBatchRef,
  IterationInput,
  RlIterationMetrics,
  RetireRolloutsInput,
  RlGroupSignal,
  RlIterationExtra,
  RlResumePoint,
} from '../../contracts/rl.ts';
import { createCheckpointActivities } from './checkpoints.ts';
import { writeJsonl } from './jsonl.ts';
import { iterationProvenance } from './rlIterations.ts';
import { answeringModels } from '../trajectory/answered.ts';
import { readTrajectory } from '../trajectory/store.ts';
import { grpoConversations, type GrpoConversation } from './grpoRows.ts';
import { fetchRollouts } from './rolloutRows.ts';
import { memberStaleness, policyVersions, stalenessHistogram, versionOf, type MemberStaleness } from './staleness.ts';
import { runPaths } from '../../infra/layout.ts';
import { validateConfig } from './runs.ts';

const ROLLOUT_COLUMNS = `select column_name as c from information_schema.columns
  where table_schema = current_schema() and table_name = 'rollouts' order by ordinal_position`;
const iterName = (i: number) => `iter-${String(i).padStart(4, '0')}`;
const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);

function tryRead(
  path: string | null,
  toolFormat: 'native' | 'text',
): { sequences: GrpoConversation[]; answered: string[] } | null {
  if (!path) return null;
  try {
    const m = readTrajectory(path);
    return m.length ? { sequences: grpoConversations(m, toolFormat), answered: answeringModels(m) } : null;
  } catch {
    return null;
  }
}

function sourceOf(xs: MemberStaleness[]): GrpoBatchRef['stalenessSource'] {
  const s = new Set(xs.map((x) => x.source).filter((x) => x !== null));
  return s.size === 0 ? null : s.size > 1 ? 'mixed' : [...s][0]!;
}

export function createRlActivities(deps: Pick<ActivityDeps, 'pool' | 'settings'>) {
  const { pool } = deps;
  /** Workflows recorded before the input carried toolFormat: the run's stored config says it. */
  async function storedToolFormat(runId: string) {
    const stored = await pool.query<{ config: unknown }>('select config from runs where run_id = $1', [runId]);
    return stored.rows[0]
      ? validateConfig(stored.rows[0].config, `of run ${runId} (stored)`).models.policy.toolFormat
      : 'text';
  }
  const { latestCheckpoint } = createCheckpointActivities(deps);
  return {
    async buildGrpoBatch(input: GrpoBatchInput): Promise<GrpoBatchRef> {
      const rows = await fetchRollouts(pool, input.runId, ['rl'], rlSampleRange(input.iteration, input.groupSize));
      const toolFormat = input.toolFormat ?? (await storedToolFormat(input.runId));
      // Read first: a member whose trajectory is gone is masked before advantages are computed, so G stays honest.
      const messages = rows.map((r) => (r.masked ? null : tryRead(r.trajectoryPath, toolFormat)));
      // Staleness against the weights the step trains from, per member, from the checkpoints that answered it.
      const versions = input.trainedFrom ? await policyVersions(pool, input.runId) : null;
      const trainedFromVersion = versions && input.trainedFrom ? versionOf(versions, input.trainedFrom) : 0;
      const launchVersion = versions && input.launchedWith ? versionOf(versions, input.launchedWith) : undefined;
      const staleness = rows.map((_, i): MemberStaleness => {
        const m = messages[i];
        if (!versions || !m) return { staleness: null, source: null };
        const answered = input.repliesNameCheckpoints === false ? [] : m.answered;
        return memberStaleness(answered, versions, trainedFromVersion, launchVersion);
      });
      const tooOld = staleness.map(
        (x) => input.maxStaleness !== undefined && x.staleness !== null && x.staleness > input.maxStaleness,
      );
      const live = rows.map((r, i) => ({
        group: r.taskId,
        reward: r.reward,
        masked: r.masked || messages[i] === null || tooOld[i]!,
      }));
      // Dynamic sampling: a group whose rewards all agree has no gradient and would only dilute the normaliser.
      const dropped = new Set(input.dropZeroVariance ? groupSignal(live).zeroVariance : []);
      const members = live.map((m) => (dropped.has(m.group) ? { ...m, masked: true } : m));
      const { advantages, stats } = batchAdvantages(members);
      // A condensed trajectory gives one line per context it answered in, all with the member's advantage; the
      // loss is a token mean, so splitting a member changes no weight. rolloutId says which member a line is.
      const lines = rows.flatMap((r, i) =>
        (messages[i]?.sequences ?? [{ messages: [] }]).map((seq, segment) => ({
          messages: seq.messages,
          ...(seq.tools ? { tools: seq.tools } : {}),
          ...(segment ? { segment } : {}),
          advantage: advantages[i]!.advantage,
          masked: advantages[i]!.masked,
          group: r.taskId,
          rolloutId: r.id,
          reward: r.reward,
          ...(staleness[i]!.staleness !== null ? { staleness: staleness[i]!.staleness } : {}),
          ...(tooOld[i] ? { maskReason: 'stale' } : dropped.has(r.taskId) ? { maskReason: 'zero_variance' } : {}),
        })),
      );
      const batchPath = runPaths.dataset(deps.settings.artifactsDir, input.runId, `grpo-${iterName(input.iteration)}`);
      await writeJsonl(batchPath, lines);
      const histogram = stalenessHistogram(staleness.map((x, i) => (rows[i]!.masked ? null : x.staleness)));
      const staleMembers = rows.filter((_, i) => tooOld[i]).map((r) => ({ taskId: r.taskId, sample: r.sample }));
      const datasetStats = {
        ...stats,
        rows: rows.length,
        sequences: lines.length,
        staleness: histogram,
        stale: staleMembers.length,
      };
      await pool.query(
        `insert into datasets (id, run_id, kind, path, rows, stats) values ($1, $2, 'grpo', $3, $4, $5)
         on conflict (id) do update set path = excluded.path, rows = excluded.rows, stats = excluded.stats, created_at = now()`,
        [`${input.runId}:grpo:${input.iteration}`, input.runId, batchPath, rows.length, datasetStats],
      );
      return {
        batchPath,
        rows: rows.length,
        groups: stats.groups,
        contributingGroups: stats.contributingGroups,
        zeroVarianceGroups: stats.zeroVarianceGroups,
        masked: stats.maskedMembers,
        activeMembers: stats.activeMembers,
        ...(input.dropZeroVariance ? { droppedGroups: dropped.size } : {}),
        ...(versions
          ? { staleness: histogram, stale: staleMembers.length, staleMembers, stalenessSource: sourceOf(staleness) }
          : {}),
      };
    },

    async rlGroupSignal(input: IterationInput): Promise<RlGroupSignal> {
      const rows = await fetchRollouts(pool, input.runId, ['rl'], rlSampleRange(input.iteration, input.groupSize));
      return groupSignal(rows.map((r) => ({ group: r.taskId, reward: r.reward, masked: r.masked })));
    },

    async retireRollouts(input: RetireRolloutsInput): Promise<{ retired: number }> {
      if (!input.keys.length) return { retired: 0 };
      const tasks = input.keys.map((k) => k.taskId);
      const samples = input.keys.map((k) => k.sample);
      const client = await pool.connect();
      try {
        await client.query('begin');
        const where = `run_id = $1 and stage = $2 and (task_id, sample) in (select * from unnest($3::text[], $4::int[]))`;
        // Named columns: both tables gain columns over time (migration 016), in different orders.
        const cols = (await client.query<{ c: string }>(ROLLOUT_COLUMNS)).rows.map((r) => r.c).join(', ');
        const moved = await client.query(
          `insert into rollout_retired (${cols}, retired_at, retired_reason)
           select ${cols}, now(), $5 from rollouts where ${where}`,
          [input.runId, input.stage, tasks, samples, input.reason],
        );
        await client.query(`delete from rollouts where ${where}`, [input.runId, input.stage, tasks, samples]);
        await client.query('commit');
        return { retired: moved.rowCount ?? 0 };
      } catch (err) {
        await client.query('rollback');
        throw err;
      } finally {
        client.release();
      }
    },

    async recordRlIteration(
      input: IterationInput & { checkpointId: string | null; extra?: RlIterationExtra },
    ): Promise<RlIterationMetrics> {
      const rows = await fetchRollouts(pool, input.runId, ['rl'], rlSampleRange(input.iteration, input.groupSize));
      const live = rows.filter((r) => !r.masked);
      const { served, grpo } = await iterationProvenance(pool, input.runId, input.iteration, input.groupSize);
      const m: RlIterationMetrics = {
        iteration: input.iteration,
        rollouts: rows.length,
        meanReward: mean(live.map((r) => r.reward ?? 0)),
        resolvedRate: mean(live.map((r) => (r.resolved ? 1 : 0))),
        masked: rows.length - live.length,
        meanTurns: mean(live.map((r) => r.turns)),
      };
      await pool.query(
        `insert into rl_iterations (run_id, iteration, checkpoint_id, mean_reward, resolved_rate, masked, mean_turns, metrics, served_checkpoint)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (run_id, iteration) do update set checkpoint_id = excluded.checkpoint_id, mean_reward = excluded.mean_reward,
           resolved_rate = excluded.resolved_rate, masked = excluded.masked, mean_turns = excluded.mean_turns, metrics = excluded.metrics,
           served_checkpoint = excluded.served_checkpoint`,
        [
          input.runId,
          input.iteration,
          input.checkpointId,
          m.meanReward,
          m.resolvedRate,
          m.masked,
          m.meanTurns,
          { rollouts: rows.length, ...input.extra, ...(grpo ? { grpo } : {}) },
          served,
        ],
      );
      return m;
    },

    /** A row in rl_iterations means the iteration finished (it is written last), so resume after the highest one. */
    async rlResumePoint(input: { runId: string }): Promise<RlResumePoint> {
      const { rows } = await pool.query<{ iteration: number; checkpoint_id: string | null }>(
        'select iteration, checkpoint_id from rl_iterations where run_id = $1 order by iteration desc limit 1',
        [input.runId],
      );
      const last = rows[0];
      if (last?.checkpoint_id) {
        const c = await pool.query<{ id: string; step: number; path: string; metrics: Record<string, number> }>(
          'select id, step, path, metrics from checkpoints where id = $1',
          [last.checkpoint_id],
        );
        const r = c.rows[0];
        if (r)
          return {
            nextIteration: last.iteration + 1,
            checkpoint: { checkpointId: r.id, step: r.step, path: r.path, metrics: r.metrics },
          };
      }
      const sft = await latestCheckpoint({ runId: input.runId, stages: last ? ['rl', 'sft'] : ['sft'] });
      return { nextIteration: (last?.iteration ?? 0) + 1, checkpoint: sft };
    },
  };
}
