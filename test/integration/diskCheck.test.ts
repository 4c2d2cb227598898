// `config check` / `run` refuse a disk budget that cannot hold one RL batch, asking the real Docker engine for
// the base image's size (the bootstrap builds it), before any run starts.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'swe-forge.mjs');
const dir = mkdtempSync(join(tmpdir(), 'swe-forge-disk-check-'));

async function check(budgetGb: number) {
  const file = join(dir, `budget-${budgetGb}.yaml`);
  writeFileSync(file, `preset: demo\nsandbox:\n  diskBudgetGb: ${budgetGb}\n`);
  return run(process.execPath, [BIN, 'config', 'check', file, '--json'], { timeout: 60_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}

describe('config check and sandbox.diskBudgetGb', () => {
  it('refuses with exit 2 a budget smaller than the base image, naming the field', async () => {
    const r = await check(0.01);
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toMatch(/sandbox\.diskBudgetGb: 0\.01 GB cannot hold one RL batch: the base image/);
  });

  it('accepts a budget that holds the batch and reports what it needs', async () => {
    const r = await check(500);
    expect(r.code).toBe(0);
    const disk = JSON.parse(r.stdout).checks.disk;
    expect(disk).toMatchObject({ checked: true, budgetGb: 500 });
    expect(disk.needGb).toBeGreaterThan(0.05);
  });
});
