// Which LoRA adapters take a served base to a new checkpoint, read from the checkpoints themselves. A grpo-step (or
// sft) run with training.lora writes the merged weights and, under `adapter/`, the peft adapter it trained on its
// input model (trainer_state.json `source_model`). Each adapter's delta is relative to its input, so the chain from
// the base to the checkpoint, applied together, is the checkpoint: what the CPU engine can swap in without a restart.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

const real = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

/** The adapter dirs from `base` to `checkpoint`, oldest first; null when the chain breaks or is longer than maxLinks. */
export function loraChain(base: string, checkpoint: string, maxLinks: number): string[] | null {
  const target = real(base);
  const chain: string[] = [];
  let at = real(checkpoint);
  for (let i = 0; i <= maxLinks; i++) {
    if (at === target) return chain.reverse();
    if (i === maxLinks) return null;
    const adapter = join(at, 'adapter');
    const stateFile = join(at, 'trainer_state.json');
    if (!existsSync(join(adapter, 'adapter_config.json')) || !existsSync(stateFile)) return null;
    let source: unknown;
    try {
      source = (JSON.parse(readFileSync(stateFile, 'utf8')) as { source_model?: unknown }).source_model;
    } catch {
      return null;
    }
    if (typeof source !== 'string') return null;
    chain.push(adapter);
    at = real(source);
  }
  return null;
}
