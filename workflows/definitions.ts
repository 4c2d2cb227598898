// The pipeline's messages: the `status` query, `pause` / `resume` signals, the `progress` signal children send to
// the pipeline, and the typed search-attribute keys. Shared by workflows, the CLI and tests.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { SEARCH_ATTRIBUTES } from '../core/constants.ts';
import type { StageName } from '../config/schema.ts';

export type StageState = 'pending' | 'running' | 'completed' | 'skipped' | 'failed' | 'cancelled';

export interface StageProgress {
  state: StageState;
  /** Units of this stage: rollouts for distill / difficulty / tts, iterations for rl, 0/1 for the rest. */
  done: number;
  total: number;
  /** Rollouts that got a score (not masked), of them resolved, and their summed reward. */
  scored: number;
  resolved: number;
  rewardSum: number;
  masked: number;
  failed: number;
  /** Completed in an earlier execution of this run and skipped now. */
  reused?: boolean;
  note?: string;
}

export interface PipelineStatus {
  runId: string;
  workflowId: string;
  /** The running stage; 'starting' before the first, 'done' after the last. */
  stage: StageName | 'starting' | 'done';
  state: 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';
  progress: { done: number; total: number };
  /** Over every scored rollout of the run so far. */
  rates: { resolvedRate: number | null; meanReward: number | null; scored: number };
  rlIteration: number | null;
  latestCheckpoint: string | null;
  maskedCount: number;
  lastError: string | null;
  paused: boolean;
  completedStages: StageName[];
  stages: Record<StageName, StageProgress>;
}

/** Absolute counts of one fan-out (its source key), or a stage's own unit of progress. */
export type ProgressReport =
  | {
      kind: 'rollouts';
      source: string;
      stage: StageName;
      done: number;
      total: number;
      scored: number;
      resolved: number;
      rewardSum: number;
      masked: number;
      failed: number;
      lastError?: string;
    }
  | {
      kind: 'stage';
      stage: StageName;
      done?: number;
      total?: number;
      rlIteration?: number;
      checkpoint?: string;
      note?: string;
      lastError?: string;
    };

export const statusQuery = defineQuery<PipelineStatus>('status');
/** Pause between activities: running ones finish, no new one starts until `resume`. */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const progressSignal = defineSignal<[ProgressReport]>('progress');

export const SA = {
  stage: defineSearchAttributeKey(SEARCH_ATTRIBUTES.stage.name, SearchAttributeType.KEYWORD),
  recipe: defineSearchAttributeKey(SEARCH_ATTRIBUTES.recipe.name, SearchAttributeType.KEYWORD),
  model: defineSearchAttributeKey(SEARCH_ATTRIBUTES.model.name, SearchAttributeType.KEYWORD),
  rlIteration: defineSearchAttributeKey(SEARCH_ATTRIBUTES.rlIteration.name, SearchAttributeType.INT),
} as const;
