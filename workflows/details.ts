// What the Temporal Web UI shows of a run without anyone running a query: the pipeline's current details (stage,
// progress, RL iteration, checkpoint, rates, last error; Temporal markdown, set with setCurrentDetails), and the
// static summaries of the run and of each stage's child workflow. Pure: no Temporal calls here.
import type { RunConfig, StageName } from '../config/schema.ts';
import type { PipelineStatus } from './definitions.ts';

const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);

export function currentDetails(s: PipelineStatus): string {
  const current = s.stage === 'starting' || s.stage === 'done' ? null : s.stages[s.stage];
  const lines = [
    `**Stage:** ${s.stage} · **State:** ${s.state}`,
    current ? `**Progress:** ${s.progress.done}/${s.progress.total}${current.note ? ` (${current.note})` : ''}` : '',
    s.rlIteration !== null ? `**RL iteration:** ${s.rlIteration}` : '',
    s.latestCheckpoint ? `**Checkpoint:** ${s.latestCheckpoint}` : '',
    s.rates.scored
      ? `**Rollouts scored:** ${s.rates.scored} · **resolved:** ${pct(s.rates.resolvedRate)} · **masked:** ${s.maskedCount}`
      : '',
    `**Completed stages:** ${s.completedStages.join(', ') || 'none'}`,
    s.lastError ? `**Last error:** ${s.lastError.split('\n')[0]!.slice(0, 300)}` : '',
  ];
  return lines.filter(Boolean).join('\n\n');
}

/** One line for the run (client-set, so it shows in the workflow list). */
export function runSummary(runId: string, c: Pick<RunConfig, 'recipe' | 'models'>): string {
  return `swe-forge run ${runId}: ${c.recipe} recipe, policy ${c.models.policy.name}`;
}

/** Fixed details of the run: what it will do. */
export function runDetails(c: RunConfig): string {
  const on = Object.entries(c.stages)
    .filter(([, s]) => (s as { enabled: boolean }).enabled)
    .map(([n]) => n);
  return [
    `**Stages:** ${on.join(' → ')}`,
    `**Tasks:** ${c.tasks.file}${c.tasks.limit ? ` (at most ${c.tasks.limit} for training)` : ''}, ${c.tasks.eval.length} held out`,
    `**Teachers:** ${c.models.teachers.map((t) => t.name).join(', ') || 'none'} · **Policy:** ${c.models.policy.name}`,
    `**Seed:** ${c.seed}`,
  ].join('\n\n');
}

export const stageSummary = (runId: string, stage: StageName) => `${stage} stage of run ${runId}`;
