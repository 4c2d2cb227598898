// The RL loop's contract (orchestrator queue): the GRPO batch of an iteration, its staleness against the weights
// the step trains from, the figures recorded per iteration, and where a resumed loop picks up. Types only.
import type { ModelEndpoint } from '../config/schema.ts';
import type { CheckpointRef } from './gpu.ts';
import type { RolloutStage } from './rollout.ts';

export interface RlResumePoint {
  /** The next iteration to run (from 1). */
  nextIteration: number;
  checkpoint: CheckpointRef | null;
}

export interface RlIterationMetrics {
  iteration: number;
  rollouts: number;
  meanReward: number | null;
  resolvedRate: number | null;
  masked: number;
  meanTurns: number | null;
}

/** Figures the workflow adds to an iteration's row (rl_iterations.metrics): counts, timings, the staleness histogram. */
export type RlIterationExtra = Record<string, number | string | Record<string, number>>;

export interface GrpoBatchRef {
  batchPath: string;
  rows: number;
  groups: number;
  contributingGroups: number;
  zeroVarianceGroups: number;
  masked: number;
  activeMembers: number;
  /** Members per staleness in policy versions ("0", "1", ...); absent in histories from before it was counted. */
  staleness?: Record<string, number>;
  /** Members left out because they were sampled more than maxStaleness versions behind the trained-from weights. */
  stale?: number;
  /** Those members' keys (a `rerun` re-runs them). */
  staleMembers?: { taskId: string; sample: number }[];
  /** Where the staleness came from: the engine's per-turn replies, or the workflow's launch version (fixed endpoints). */
  stalenessSource?: 'engine' | 'schedule' | 'mixed' | null;
  /** Groups masked out as zero-variance (dropZeroVariance). */
  droppedGroups?: number;
}

export interface IterationInput {
  runId: string;
  iteration: number;
  groupSize: number;
}

export interface GrpoBatchInput extends IterationInput {
  /**
   * models.policy.toolFormat: the batch renders each conversation as that policy was sent it. Absent in histories
   * from before the workflow passed it: then read from the run's stored config.
   */
  toolFormat?: ModelEndpoint['toolFormat'];
  /** The checkpoint the step trains from: staleness is counted against its version. */
  trainedFrom?: string;
  /** Members sampled more than this many versions behind trainedFrom are left out (async mode); absent: none. */
  maxStaleness?: number;
  /** The checkpoint the workflow launched the rollouts with: the staleness of members no engine reply names. */
  launchedWith?: string;
  /**
   * Whether the engine's reply names are checkpoint ids (a trainer policy served from its checkpoints). A fixed
   * endpoint (scripted, openai) names itself: its members' staleness is the launch version's.
   */
  repliesNameCheckpoints?: boolean;
  /** Dynamic sampling: groups whose rewards all agree are masked out of the batch (maskReason zero_variance). */
  dropZeroVariance?: boolean;
}

export interface RetireRolloutsInput {
  runId: string;
  stage: RolloutStage;
  keys: { taskId: string; sample: number }[];
  reason: string;
}

/** Per iteration, which groups (tasks) have a learning signal and which have rewards that all agree. */
export interface RlGroupSignal {
  signal: string[];
  zeroVariance: string[];
}
