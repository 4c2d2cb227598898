// Fault injection for the fault tests: a given fraction of Sandbox.create calls fail with InfraError, as an
// engine under load does. Off by default; SWE_FORGE_FAULT_CREATE_RATE turns it on in a worker process.
import { InfraError } from '../core/errors.ts';
import { createRng } from '../core/sampling.ts';

interface FaultState {
  rate: number;
  next: () => number;
}

let state: FaultState | undefined;

export function setCreateFaultRate(rate: number, seed = 1): void {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`fault rate must be within [0, 1], got ${rate}`);
  state = { rate, next: createRng(seed) };
}

function fromEnv(): FaultState {
  const raw = process.env.SWE_FORGE_FAULT_CREATE_RATE;
  const rate = raw ? Number(raw) : 0;
  const seed = Number(process.env.SWE_FORGE_FAULT_SEED ?? '1');
  return { rate: Number.isFinite(rate) ? Math.min(1, Math.max(0, rate)) : 0, next: createRng(seed) };
}

export function maybeInjectCreateFault(): void {
  state ??= fromEnv();
  if (state.rate > 0 && state.next() < state.rate) {
    throw new InfraError(`injected fault: Sandbox.create failed (SWE_FORGE_FAULT_CREATE_RATE=${state.rate})`);
  }
}
