// The Sandbox on real Docker: isolation (no network, memory / pid limits, labels), exec (timeout that kills the
// process group, head+tail output cap, stdin, user, env, workdir), files in and out, removal, the reaper, faults.
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCKER_LABELS } from '../../core/constants.ts';
import { InfraError } from '../../core/errors.ts';
import { connectDocker } from '../../infra/docker.ts';
import { BASE_IMAGE } from '../../infra/images/taskImage.ts';
import { reapOrphans, Sandbox, setCreateFaultRate, type SandboxOptions } from '../../infra/sandbox.ts';
import { maybeInjectCreateFault } from '../../infra/sandboxFaults.ts';
import { removeRunContainers, runContainers } from '../../dev/dockerCleanup.ts';

const RUN = `harness-sandbox-${process.pid}`;
let docker: Docker;
let sb: Sandbox;
const options = (o: Partial<SandboxOptions> = {}): SandboxOptions => ({
  image: BASE_IMAGE,
  labels: { run: RUN, activity: 'sandbox-test', task: 'demo/task-1' },
  memoryMb: 256,
  pidsLimit: 64,
  cpuShares: 256,
  network: false,
  ...o,
});

beforeAll(async () => {
  docker = await connectDocker();
  sb = await Sandbox.create(docker, options());
});
afterAll(async () => {
  setCreateFaultRate(0);
  await sb?.remove();
  await removeRunContainers(docker, RUN);
});

describe('Sandbox isolation', () => {
  it('has no network, the limits asked for, and our labels', async () => {
    expect((await sb.exec('ls /sys/class/net')).output.trim()).toBe('lo');
    const info = await docker.getContainer(sb.id).inspect();
    expect(info.HostConfig.Memory).toBe(256 * 2 ** 20);
    expect(info.HostConfig.PidsLimit).toBe(64);
    expect(info.HostConfig.CpuShares).toBe(256);
    expect(info.Config.Labels).toMatchObject({
      [DOCKER_LABELS.managed]: 'true',
      [DOCKER_LABELS.run]: RUN,
      [DOCKER_LABELS.activity]: 'sandbox-test',
      [DOCKER_LABELS.task]: 'demo/task-1',
    });
  });

  it('a fork bomb hits the pid limit, and neither it nor `kill -9 -1` takes the sandbox down', async () => {
    const bomb = [
      'import os, time',
      'n = 0',
      'try:',
      '    while True:',
      '        if os.fork() == 0:',
      '            null = os.open("/dev/null", os.O_RDWR)',
      '            os.dup2(null, 1); os.dup2(null, 2); time.sleep(3); os._exit(0)',
      '        n += 1',
      'except OSError as e:',
      '    print("fork refused after", n, e.strerror)',
    ].join('\n');
    await sb.writeFile('/tmp/bomb.py', bomb);
    const r = await sb.exec('python3 /tmp/bomb.py', { timeoutSec: 60 });
    expect(r.output).toMatch(/fork refused after \d+ Resource temporarily unavailable/);
    expect(Number(/after (\d+)/.exec(r.output)![1])).toBeLessThan(64);
    // The bomb's children exit after 3 s and pid 1 reaps them: the sandbox is usable again.
    await new Promise((r) => setTimeout(r, 4000));
    expect((await sb.exec('echo alive')).output).toBe('alive\n');
    // Killing everything it may signal from inside leaves pid 1, so the container stays up.
    await sb.exec('kill -9 -1', { timeoutSec: 10 });
    const after = (await sb.exec('echo alive; ps -e --no-headers | wc -l')).output.split('\n');
    expect(after[0]).toBe('alive');
    expect(Number(after[1])).toBeLessThan(10);
  });
});

describe('Sandbox.exec', () => {
  it('runs bash -lc in /testbed, interleaves stdout and stderr, returns the exit code', async () => {
    const r = await sb.exec('pwd; echo out; echo err >&2; exit 7');
    expect(r).toEqual({ output: '/testbed\nout\nerr\n', exitCode: 7, timedOut: false, truncatedBytes: 0 });
  });

  it('passes stdin, user, env and workdir', async () => {
    const r = await sb.exec('cat; id -un; echo "$GREETING"; pwd', {
      stdin: 'piped in\n',
      user: 'agent',
      env: { GREETING: 'hi there' },
      workdir: '/tmp',
    });
    expect(r.output).toBe('piped in\nagent\nhi there\n/tmp\n');
  });

  it('on timeout kills the whole process group, even a child that ignores SIGTERM', async () => {
    const r = await sb.exec('(trap "" TERM; sleep 300) & sleep 300', { timeoutSec: 2 });
    expect(r.timedOut).toBe(true);
    const left = await sb.exec('ps -eo args | grep -c "^sleep 300" || true');
    expect(left.output.trim()).toBe('0');
  });

  it('caps huge output keeping head and tail, and says how much was cut', async () => {
    const r = await sb.exec('echo START; head -c 20000000 /dev/zero | tr "\\0" x; echo; echo END', {
      outputCapBytes: 4096,
    });
    expect(r.exitCode).toBe(0);
    expect(r.output.startsWith('START\n')).toBe(true);
    expect(r.output.endsWith('END\n')).toBe(true);
    expect(r.truncatedBytes).toBe(6 + 20_000_000 + 1 + 4 - 4096);
    expect(r.output).toContain(`[... ${r.truncatedBytes} bytes of output cut ...]`);
  });

  it('a command exiting 124 by itself is not a timeout', async () => {
    expect(await sb.exec('exit 124')).toMatchObject({ exitCode: 124, timedOut: false });
  });
});

describe('Sandbox files and lifecycle', () => {
  it('copies files in (creating parents) and out, binary-safe', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255, 10]);
    await sb.writeFile('/testbed/new/dir/blob.bin', bytes);
    expect(await sb.readFile('/testbed/new/dir/blob.bin')).toEqual(bytes);
    await sb.writeFiles([
      { path: '/tmp/a.txt', content: 'A' },
      { path: '/tmp/b.sh', content: 'echo B', mode: 0o755 },
    ]);
    expect((await sb.exec('cat /tmp/a.txt; /tmp/b.sh', { user: 'agent' })).output).toBe('AB\n');
    await expect(sb.readFile('/testbed/missing.txt')).rejects.toThrow(/no such file/);
  });

  it('remove is idempotent; exec on a removed sandbox is an InfraError', async () => {
    const other = await Sandbox.create(docker, options());
    await other.remove();
    await other.remove();
    await expect(other.exec('true')).rejects.toBeInstanceOf(InfraError);
  });

  it('create fails with InfraError for a missing image and under an injected fault', async () => {
    await expect(Sandbox.create(docker, options({ image: 'swe-forge/none:missing' }))).rejects.toBeInstanceOf(
      InfraError,
    );
    setCreateFaultRate(1);
    await expect(Sandbox.create(docker, options())).rejects.toThrow(/injected fault/);
    setCreateFaultRate(0);
  });

  it('a seeded fault rate fails a reproducible share of creates', async () => {
    // Only the fault check runs before the engine is called: probe it directly, 40 times.
    const pattern = () =>
      Array.from({ length: 40 }, () => {
        try {
          maybeInjectCreateFault();
          return true;
        } catch {
          return false;
        }
      });
    setCreateFaultRate(0.5, 42);
    const a = pattern();
    setCreateFaultRate(0.5, 42);
    const b = pattern();
    setCreateFaultRate(0);
    expect(a).toEqual(b);
    const fails = a.filter((x) => !x).length;
    expect(fails).toBeGreaterThan(5);
    expect(fails).toBeLessThan(35);
  });

  it('the reaper removes our containers older than the TTL, only those of the run asked for', async () => {
    const orphan = await Sandbox.create(docker, options({ labels: { run: `${RUN}-orphan` } }));
    expect((await reapOrphans(docker, { ttlSec: 3600, runId: `${RUN}-orphan` })).removed).toEqual([]);
    const { removed } = await reapOrphans(docker, { ttlSec: 0, runId: `${RUN}-orphan` });
    expect(removed).toEqual([orphan.id]);
    expect(await runContainers(docker, `${RUN}-orphan`)).toEqual([]);
    // the sandbox of this suite (another run id) is untouched
    expect((await sb.exec('echo still here')).output).toBe('still here\n');
  });
});
