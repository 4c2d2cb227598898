// The bash / file_editor tools in a real container: unbounded output is capped, a fork bomb hits the pid limit and
// the timeout, and afterwards the same container still answers. The worker process is this test process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxEnvironment } from '../../activities/agent/environment.ts';
import { createToolbox } from '../../activities/agent/toolbox.ts';
import { connectDocker } from '../../infra/docker.ts';
import { containersOfRun } from './rolloutFixture.ts';
import { startToolSandbox, toolCall } from '../../dev/toolSandbox.ts';

const RUN = 'it-sandbox-tools';
let env: SandboxEnvironment;
let toolbox: ReturnType<typeof createToolbox>;
const call = toolCall;
const bash = (command: string, timeoutSec?: number) => toolbox.run(call('bash', { command }), timeoutSec);

beforeAll(async () => {
  const docker = await connectDocker();
  env = await startToolSandbox(docker, RUN, 'tools');
  toolbox = createToolbox(env, { commandTimeoutSec: 20, outputCapBytes: 16384 });
  await env.exec(
    'mkdir -p /testbed && cd /testbed && git init -q && git -c user.email=a@b -c user.name=t commit -q --allow-empty -m base',
    { timeoutSec: 30, outputCapBytes: 4096 },
  );
});
afterAll(async () => {
  await env?.remove();
  expect(await containersOfRun(await connectDocker(), RUN)).toEqual([]);
});

describe('tools in a real container', () => {
  it('caps a command with unbounded output and kills it at the timeout', async () => {
    const out = await bash('yes "unbounded output line"', 3);
    expect(out.observation).toMatch(/bytes of output cut/);
    expect(out.observation).toMatch(/timed out after 3s/);
    expect(Buffer.byteLength(out.observation)).toBeLessThan(16384 + 1024);
    expect((await bash('echo alive')).observation).toBe('alive');
  });

  it('caps a fast 50 MB burst and reports the exit code', async () => {
    const out = await bash("head -c 50000000 /dev/zero | tr '\\0' x; exit 3");
    expect(out.observation).toMatch(/\[\.\.\. \d+ bytes of output cut \.\.\.\]/);
    expect(out.observation).toMatch(/\[exit code 3\]$/);
  });

  it('survives a fork bomb: pid limit, timeout, and the container answers afterwards', async () => {
    const out = await bash(':(){ :|:& };:', 5);
    expect(out.error).toBeUndefined();
    expect(typeof out.observation).toBe('string');
    // The group was killed: a new command gets pids again.
    const after = await bash('echo alive; ps -e --no-headers | wc -l');
    const [alive, procs] = after.observation.split('\n');
    expect(alive).toBe('alive');
    expect(Number(procs)).toBeLessThan(64);
  });

  it('edits files through the container and diffs them binary-safe', async () => {
    const created = await toolbox.run(
      call('file_editor', { command: 'create', path: '/testbed/a.txt', file_text: 'one\ntwo\n' }),
    );
    expect(created.observation).toMatch(/Created/);
    await env.exec("printf '\\x00\\x01\\x02' > /testbed/blob.bin", { timeoutSec: 10, outputCapBytes: 1024 });
    const replaced = await toolbox.run(
      call('file_editor', { command: 'str_replace', path: '/testbed/a.txt', old_str: 'two', new_str: 'deux' }),
    );
    expect(replaced.observation).toContain('     2\tdeux');
    const diff = await env.diff();
    expect(diff).toContain('+deux');
    expect(diff).toContain('GIT binary patch');
    const found = await toolbox.run(call('search', { search_term: 'deux' }));
    expect(found.observation).toBe('Matches for "deux" in /testbed:\n/testbed/a.txt:2:deux');
    const files = await toolbox.run(call('search', { search_term: '*.txt', kind: 'filename' }));
    expect(files.observation).toContain('/testbed/a.txt');
  });

  it('keeps the mode of an executable file it edits', async () => {
    await env.exec("printf '#!/bin/sh\\necho hi\\n' > /testbed/run.sh && chmod 755 /testbed/run.sh", {
      timeoutSec: 10,
      outputCapBytes: 1024,
    });
    await toolbox.run(
      call('file_editor', { command: 'str_replace', path: '/testbed/run.sh', old_str: 'hi', new_str: 'hello' }),
    );
    expect((await bash('stat -c %a /testbed/run.sh && /testbed/run.sh')).observation).toBe('755\nhello');
  });

  it('refuses to load a huge file into the worker, follows symlinks, lists directories', async () => {
    await env.exec(
      'head -c 20000000 /dev/zero | tr "\\0" a > /testbed/huge.txt; ln -sf a.txt /testbed/link.txt; mkdir -p /testbed/pkg',
      { timeoutSec: 30, outputCapBytes: 1024 },
    );
    const huge = await toolbox.run(call('file_editor', { command: 'view', path: '/testbed/huge.txt' }));
    expect(huge.observation).toMatch(/20000000 bytes, over the editor's 8388608-byte limit/);
    const link = await toolbox.run(call('file_editor', { command: 'view', path: '/testbed/link.txt' }));
    expect(link.observation).toContain('     2\tdeux');
    const dir = await toolbox.run(call('file_editor', { command: 'view', path: '/testbed/pkg' }));
    expect(dir.observation).toMatch(/^Files and directories up to 2 levels deep in \/testbed\/pkg/);
    const missing = await toolbox.run(call('file_editor', { command: 'view', path: '/testbed/nope.py' }));
    expect(missing.observation).toBe('Error: /testbed/nope.py does not exist');
  });
});
