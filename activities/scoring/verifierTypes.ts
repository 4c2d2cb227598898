// Inputs and outputs of the sweWorld stage's data and measurement activities (types only: workflows import them).
import type { HeldOutMetrics } from '../../core/verifierMetrics.ts';
import type { ModelEndpoint } from '../../config/schema.ts';
import type { DatasetRef } from '../contracts.ts';

export interface PrepareVerifierDataInput {
  runId: string;
  kind: 'orm' | 'swe_world';
  balance: boolean;
  /** Share of the run's tasks whose executions are held out of training and measured on (0: none). */
  heldOutFraction: number;
  /** swe_world: a teacher that writes reverse-reasoning chains into the report rows (stages.sweWorld.reverseReasoning). */
  reasoner?: ModelEndpoint;
}

export interface VerifierData {
  train: DatasetRef;
  trainTasks: string[];
  /** Executions (rollouts with a recorded test run) of the held-out tasks. */
  heldOut: { taskIds: string[]; rolloutIds: number[] };
}

export interface MeasureVerifierInput {
  runId: string;
  kind: 'orm' | 'swe_world';
  /** export-onnx output of the checkpoint being measured. */
  verifierDir: string;
  checkpointId: string;
  rolloutIds: number[];
  heldOutTasks: string[];
}

export interface HeldOutReport extends HeldOutMetrics {
  kind: 'orm' | 'swe_world';
  checkpointId: string;
  heldOutTasks: string[];
}
