// Loop detection (SWE-Gym's "stuck in a loop" rate): the same action repeated consecutively more than
// `threshold` times counts as one loop. Recorded per trajectory; the agent is not stopped for it.
import type { ToolCall } from '../../core/toolCalls.ts';

/** Two calls are the same action when the tool and its arguments (key order aside) are equal. */
export function actionKey(call: Pick<ToolCall, 'name' | 'arguments'>): string {
  const sorted = Object.fromEntries(Object.entries(call.arguments).sort(([a], [b]) => a.localeCompare(b)));
  return `${call.name} ${JSON.stringify(sorted)}`;
}

export class LoopDetector {
  private last: string | undefined;
  private run = 0;
  loops = 0;

  constructor(private readonly threshold: number) {}

  /** Returns true when this action makes the current run of repeats cross the threshold (counted once per run). */
  observe(key: string): boolean {
    this.run = key === this.last ? this.run + 1 : 1;
    this.last = key;
    if (this.run === this.threshold + 1) {
      this.loops++;
      return true;
    }
    return false;
  }
}
