// Calls and errors per tool, read from a trajectory's observations (a `tool` message per call, named by the tool
// and with meta.error when the tool refused or failed the call), so a resumed rollout counts its earlier turns too.
import type { TrajectoryMessage } from '../../contracts/rollout.ts';

export type ToolUsage = Record<string, { calls: number; errors: number }>;

export function toolUsage(messages: readonly TrajectoryMessage[]): ToolUsage {
  const out: ToolUsage = {};
  for (const m of messages) {
    if (m.role !== 'tool') continue;
    const u = (out[m.name || '(unknown)'] ??= { calls: 0, errors: 0 });
    u.calls++;
    if (m.meta?.error || m.meta?.refused) u.errors++;
  }
  return out;
}
