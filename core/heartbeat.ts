// How fast a dead rollout worker is noticed. The rollout activity heartbeats every `heartbeatSec` from a timer
// (not only between turns), so a long command or model reply never looks like a dead worker; Temporal declares
// the attempt dead after HEARTBEAT_MISSES silent intervals and hands the retry to any other rollout worker.
// The old 120 s floor (2 x commandTimeoutSec + 120) sized the timeout from the longest command instead.

/** Missed beats before an attempt counts as dead: tolerates a stalled event loop or a slow heartbeat round trip. */
export const HEARTBEAT_MISSES = 4;

/** sandbox.heartbeatSec's default; also what a run started before the field existed gets. */
export const DEFAULT_HEARTBEAT_SEC = 4;

export function heartbeatEverySec(heartbeatSec: number | undefined): number {
  return heartbeatSec ?? DEFAULT_HEARTBEAT_SEC;
}

export function rolloutHeartbeatTimeoutSec(heartbeatSec: number | undefined): number {
  return heartbeatEverySec(heartbeatSec) * HEARTBEAT_MISSES;
}
