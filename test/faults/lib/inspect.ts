// Looking inside what a run left: a shell in a live container, the commits a task image must not hold, and
// workflow histories as the `temporal` CLI prints them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { temporalBinary } from '../../../infra/temporal.ts';

export async function sh(container: Docker.Container, cmd: string): Promise<{ code: number; out: string }> {
  const exec = await container.exec({
    Cmd: ['bash', '-c', cmd],
    AttachStdout: true,
    AttachStderr: true,
    WorkingDir: '/testbed',
  });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  await new Promise((r) => stream.on('end', r));
  // Multiplexed stream: 8-byte frame headers before each chunk of stdout / stderr.
  const raw = Buffer.concat(chunks);
  let out = '';
  for (let i = 0; i + 8 <= raw.length;) {
    const len = raw.readUInt32BE(i + 4);
    out += raw.subarray(i + 8, i + 8 + len).toString('utf8');
    i += 8 + len;
  }
  return { code: (await exec.inspect()).ExitCode ?? -1, out: out.trim() };
}

/** Every commit of the task's repository bundle that is not base_commit or an ancestor of it. */
export function laterCommits(bundle: string, base: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'swe-forge-faults-bundle-'));
  try {
    execFileSync('git', ['clone', '--quiet', '--bare', bundle, dir]);
    return execFileSync('git', ['-C', dir, 'rev-list', '--all', `^${base}`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The history's text, with any base64 payload data decoded too (the CLI shows JSON payloads as JSON already). */
export function historyText(history: unknown): string {
  const parts: string[] = [JSON.stringify(history)];
  const walk = (v: unknown, key?: string): void => {
    if (typeof v === 'string' && key === 'data') parts.push(Buffer.from(v, 'base64').toString('utf8'));
    else if (Array.isArray(v)) v.forEach((x) => walk(x));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(history);
  return parts.join('\n');
}

export function temporalJson(address: string, args: string[]): unknown {
  const out = execFileSync(temporalBinary(), [...args, '--address', address, '--output', 'json'], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  return JSON.parse(out);
}
