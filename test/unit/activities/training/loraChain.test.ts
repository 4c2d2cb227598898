import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loraChain } from '../../../../activities/training/loraChain.ts';

/** A checkpoint dir trained from `source`, with a LoRA adapter unless `adapter` is false. */
function ckpt(root: string, name: string, source: string, adapter = true): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'adapter'), { recursive: true });
  if (adapter) writeFileSync(join(dir, 'adapter', 'adapter_config.json'), '{}');
  writeFileSync(join(dir, 'trainer_state.json'), JSON.stringify({ command: 'grpo-step', source_model: source }));
  return dir;
}

describe('loraChain', () => {
  const root = mkdtempSync(join(tmpdir(), 'lora-chain-'));
  const base = join(root, 'sft');
  mkdirSync(base);
  const c1 = ckpt(root, 'c1', base);
  const c2 = ckpt(root, 'c2', c1);
  const full = ckpt(root, 'full', c2, false); // a step without LoRA: its weights are no adapter on c2
  const c4 = ckpt(root, 'c4', full);

  it('lists the adapters from the base to the checkpoint, oldest first', () => {
    expect(loraChain(base, c2, 8)).toEqual([join(c1, 'adapter'), join(c2, 'adapter')]);
    expect(loraChain(base, base, 8)).toEqual([]);
  });

  it('is null when a link has no adapter, the chain does not reach the base, or it is too long', () => {
    expect(loraChain(base, c4, 8)).toBeNull();
    expect(loraChain(c2, c1, 8)).toBeNull(); // c1 is older than the served c2
    expect(loraChain(base, c2, 1)).toBeNull();
  });
});
