// Fault injection for the fault tests: a given fraction of Sandbox.create calls fail with InfraError, as an
// engine under load does. Off by default; SWE_FORGE_FAULT_CREATE_RATE turns it on in a worker process.
import { InfraError } from '../core/errors.ts';

interface FaultState {
  rate: number;
  next: () => number;
}

let state: FaultState | undefined;

/** mulberry32: a tiny seeded PRNG so a fault test is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function setCreateFaultRate(rate: number, seed = 1): void {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`fault rate must be within [0, 1], got ${rate}`);
  state = { rate, next: prng(seed) };
}

function fromEnv(): FaultState {
  const raw = process.env.SWE_FORGE_FAULT_CREATE_RATE;
  const rate = raw ? Number(raw) : 0;
  const seed = Number(process.env.SWE_FORGE_FAULT_SEED ?? '1');
  return { rate: Number.isFinite(rate) ? Math.min(1, Math.max(0, rate)) : 0, next: prng(seed) };
}

export function maybeInjectCreateFault(): void {
  state ??= fromEnv();
  if (state.rate > 0 && state.next() < state.rate) {
    throw new InfraError(`injected fault: Sandbox.create failed (SWE_FORGE_FAULT_CREATE_RATE=${state.rate})`);
  }
}
