// The pipeline's status: kept from progress reports (absolute counts per source, so a repeated report changes
// nothing) and stage transitions, and rendered for the `status` query. Pure: no Temporal calls here.
import { STAGE_ORDER, type StageName } from '../config/schema.ts';
import type { PipelineStatus, ProgressReport, StageProgress, StageState } from './definitions.ts';

type RolloutsReport = Extract<ProgressReport, { kind: 'rollouts' }>;

export interface StatusState {
  runId: string;
  workflowId: string;
  stage: PipelineStatus['stage'];
  outcome: 'running' | 'completed' | 'failed' | 'cancelled';
  states: Record<StageName, StageState>;
  reused: Set<StageName>;
  notes: Partial<Record<StageName, string>>;
  units: Partial<Record<StageName, { done: number; total: number }>>;
  sources: Map<string, RolloutsReport>;
  rlIteration: number | null;
  latestCheckpoint: string | null;
  lastError: string | null;
}

export function newStatus(runId: string, workflowId: string): StatusState {
  return {
    runId,
    workflowId,
    stage: 'starting',
    outcome: 'running',
    states: Object.fromEntries(STAGE_ORDER.map((s) => [s, 'pending'])) as Record<StageName, StageState>,
    reused: new Set(),
    notes: {},
    units: {},
    sources: new Map(),
    rlIteration: null,
    latestCheckpoint: null,
    lastError: null,
  };
}

export function applyProgress(s: StatusState, p: ProgressReport): void {
  if (p.lastError) s.lastError = `${p.stage}: ${p.lastError}`;
  // Counts only grow: a report that overtook a newer one on the way must not move progress backwards.
  if (p.kind === 'rollouts') {
    const seen = s.sources.get(p.source);
    if (!seen || seen.done <= p.done) s.sources.set(p.source, p);
    return;
  }
  const seen = s.units[p.stage];
  if (seen && p.done !== undefined && p.done < seen.done) return; // stale: everything in it is older
  if (p.done !== undefined && p.total !== undefined) s.units[p.stage] = { done: p.done, total: p.total };
  // Signals sent in one workflow task may arrive in either order (the end of iteration k and the start of k+1 both
  // carry done = k): within one execution the iteration only moves forward.
  if (p.rlIteration !== undefined && (s.rlIteration === null || p.rlIteration >= s.rlIteration))
    s.rlIteration = p.rlIteration;
  if (p.checkpoint) s.latestCheckpoint = p.checkpoint;
  if (p.note) s.notes[p.stage] = p.note;
}

function stageProgress(s: StatusState, stage: StageName): StageProgress {
  const sum: StageProgress = {
    state: s.states[stage],
    done: 0,
    total: 0,
    scored: 0,
    resolved: 0,
    rewardSum: 0,
    masked: 0,
    failed: 0,
  };
  for (const r of s.sources.values()) {
    if (r.stage !== stage) continue;
    sum.done += r.done;
    sum.total += r.total;
    sum.scored += r.scored;
    sum.resolved += r.resolved;
    sum.rewardSum += r.rewardSum;
    sum.masked += r.masked;
    sum.failed += r.failed;
  }
  // RL counts iterations, training stages count 0/1: their own unit wins over rollout counts.
  const unit = s.units[stage];
  if (unit) Object.assign(sum, unit);
  if (sum.state === 'completed' && sum.total === 0) Object.assign(sum, { done: 1, total: 1 });
  if (s.reused.has(stage)) sum.reused = true;
  if (s.notes[stage]) sum.note = s.notes[stage];
  return sum;
}

export function renderStatus(s: StatusState, paused: boolean): PipelineStatus {
  const stages = Object.fromEntries(STAGE_ORDER.map((st) => [st, stageProgress(s, st)])) as Record<
    StageName,
    StageProgress
  >;
  const all = Object.values(stages);
  const scored = all.reduce((n, x) => n + x.scored, 0);
  const current = s.stage === 'starting' || s.stage === 'done' ? undefined : stages[s.stage];
  return {
    runId: s.runId,
    workflowId: s.workflowId,
    stage: s.stage,
    state: s.outcome === 'running' && paused ? 'paused' : s.outcome,
    progress: current ? { done: current.done, total: current.total } : { done: 0, total: 0 },
    rates: {
      resolvedRate: scored ? all.reduce((n, x) => n + x.resolved, 0) / scored : null,
      meanReward: scored ? all.reduce((n, x) => n + x.rewardSum, 0) / scored : null,
      scored,
    },
    rlIteration: s.rlIteration,
    latestCheckpoint: s.latestCheckpoint,
    maskedCount: all.reduce((n, x) => n + x.masked, 0),
    lastError: s.lastError,
    paused,
    completedStages: STAGE_ORDER.filter((st) => s.states[st] === 'completed'),
    stages,
  };
}
