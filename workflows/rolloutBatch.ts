// One partition of a large fan-out, as its own execution (its own history, its own 2,000-pending budget).
import type { RolloutTally } from '../contracts/pipeline.ts';
import { controlled } from './control.ts';
import { runWindowed, type RolloutBatchSpec } from './fanout.ts';

export async function rolloutBatchWorkflow(spec: RolloutBatchSpec): Promise<RolloutTally> {
  return controlled((control) => runWindowed(spec, control));
}
