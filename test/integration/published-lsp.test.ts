// The lsp tool in derived published images (no network): a fixture image FROM the base image with /opt/swe-forge
// removed (so only the derivation can put the layer back) and a SWE-bench-like testbed env holding an installed
// package answers document_symbols and definition calls, into that package too; an image with no python >= 3.10
// is labelled org.swe-forge.lsp=none and the tool answers that it is not available, with the reason.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxEnvironment } from '../../activities/agent/environment.ts';
import { createToolbox } from '../../activities/agent/toolbox.ts';
import { toolNamesFor } from '../../activities/trajectory/toolSpecs.ts';
import { TaskInstanceSchema } from '../../core/task.ts';
import { toolCall } from '../../dev/toolSandbox.ts';
import { connectDocker } from '../../infra/docker.ts';
import { lspLayer } from '../../infra/images/lspLayer.ts';
import { ensurePublishedImage } from '../../infra/images/published.ts';
import { BASE_IMAGE } from '../../infra/images/taskImage.ts';
import { writeLspRepo } from '../fixtures/lspRepo.ts';

const RUN = 'it-published-lsp';
const ENV = '/opt/miniconda3/envs/testbed';
const SITE = `${ENV}/lib/python3.11/site-packages`;
const WITH_ENV = `swe-forge/test-published-lsp:${process.pid}`;
const NO_PYTHON = `swe-forge/test-published-nopy:${process.pid}`;
let docker: Docker;
let root: string;
let baseCommit: string;
const made: string[] = [];

function buildImage(tag: string, lines: string[]): void {
  writeFileSync(join(root, 'Dockerfile'), [`FROM ${BASE_IMAGE}`, 'COPY testbed /testbed', ...lines, ''].join('\n'));
  execFileSync('docker', ['build', '-q', '-t', tag, root], { stdio: 'pipe' });
  made.push(tag);
}

async function derive(image: string, id: string): Promise<string> {
  const task = TaskInstanceSchema.parse({
    instance_id: `published-lsp-${id}`,
    repo: 'swe-forge/lsp-fixture',
    base_commit: baseCommit,
    problem_statement: 'lsp in a derived image',
    FAIL_TO_PASS: ['tests/test_x.py::test_x'],
    PASS_TO_PASS: [],
    image_name: image,
  });
  const derived = await ensurePublishedImage(docker, task);
  made.push(derived);
  return derived;
}

async function withToolbox<T>(
  image: string,
  fn: (lsp: (a: Record<string, unknown>) => Promise<string>, env: SandboxEnvironment) => Promise<T>,
): Promise<T> {
  const env = await SandboxEnvironment.start(docker, {
    image,
    sandbox: { memoryMb: 512, pidsLimit: 64, cpuShares: 256, network: false, testTimeoutSec: 60, infraMaxAttempts: 1 },
    labels: { run: RUN, task: 'published-lsp' },
    baseCommit,
  });
  try {
    const toolbox = createToolbox(env, {
      commandTimeoutSec: 90,
      outputCapBytes: 16384,
      tools: toolNamesFor({ tools: { lsp: true } }),
    });
    return await fn(async (a) => (await toolbox.run(toolCall('lsp', a))).observation, env);
  } finally {
    await env.remove();
  }
}

beforeAll(async () => {
  docker = await connectDocker();
  root = mkdtempSync(join(tmpdir(), 'published-lsp-'));
  const testbed = join(root, 'testbed');
  execFileSync('sh', ['-c', `mkdir -p ${testbed} && ${writeLspRepo(testbed)}`]);
  writeFileSync(join(testbed, 'pkg', 'ext.py'), 'from extlib import helper\n\n\ndef run():\n    return helper()\n');
  const git = (...a: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', ...a], { cwd: testbed }).toString();
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'base');
  baseCommit = git('rev-parse', 'HEAD').trim();
  // SWE-bench's layout: a testbed env (here a venv of the image's python, with a package only it has installed).
  buildImage(WITH_ENV, [
    'RUN rm -rf /opt/swe-forge && mkdir -p /opt/miniconda3/envs && python3 -m venv --without-pip ' + ENV,
    `RUN mkdir -p ${SITE}/extlib && printf 'def helper():\\n    return 42\\n' > ${SITE}/extlib/__init__.py`,
  ]);
  // No python the helper can use: Debian's removed, and the testbed env's is too old (a stand-in that says 3.6).
  buildImage(NO_PYTHON, [
    `RUN rm -rf /opt/swe-forge /usr/bin/python3 /usr/bin/python3.11 && mkdir -p ${ENV}/bin` +
      ` && printf '#!/bin/sh\\necho Python 3.6.15\\n[ "$1" = --version ]\\n' > ${ENV}/bin/python && chmod +x ${ENV}/bin/python`,
  ]);
}, 300_000);

afterAll(async () => {
  // Derived images first: their fixture images are their parents.
  const gone = (image: string) =>
    docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
  for (const image of made.reverse()) await gone(image);
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the lsp tool in derived published images', () => {
  it('the fixture image has no lsp layer of its own', () => {
    const out = execFileSync('docker', ['run', '--rm', '--network', 'none', WITH_ENV, 'ls', '/opt']).toString();
    expect(out.trim()).toBe('miniconda3');
  });

  it('the derived image carries the layer, runs it with a python of its own, and jedi sees the testbed env', async () => {
    const derived = await derive(WITH_ENV, 'env');
    const labels = (await docker.getImage(derived).inspect()).Config?.Labels ?? {};
    expect(labels['org.swe-forge.lsp']).toBe((await lspLayer()).key);
    expect(labels['org.swe-forge.lsp-python']).toBe('/usr/bin/python3');
    await withToolbox(derived, async (lsp, env) => {
      const ws = await env.exec('cat /opt/swe-forge/lsp/workspace.json', { timeoutSec: 10, outputCapBytes: 4096 });
      expect(JSON.parse(ws.output)).toEqual({ environmentPath: `${ENV}/bin/python` });
      const symbols = await lsp({ command: 'document_symbols', path: '/testbed/pkg/shapes.py' });
      expect(symbols).toMatch(/^\[lsp: language server started in this sandbox/);
      for (const s of ['Point', 'make_point', 'area']) expect(symbols).toContain(s);
      expect(
        await lsp({ command: 'definition', path: '/testbed/pkg/use.py', line: 5, symbol: 'make_point' }),
      ).toContain('/testbed/pkg/shapes.py:7: def make_point(x, y):');
      expect(await lsp({ command: 'definition', path: '/testbed/pkg/ext.py', line: 5, symbol: 'helper' })).toContain(
        `${SITE}/extlib/__init__.py:1: def helper():`,
      );
    });
  });

  it('an image with no python >= 3.10 is labelled lsp=none and the tool says why it is not available', async () => {
    const derived = await derive(NO_PYTHON, 'nopy');
    const labels = (await docker.getImage(derived).inspect()).Config?.Labels ?? {};
    expect(labels['org.swe-forge.lsp']).toBe('none');
    await withToolbox(derived, async (lsp) => {
      const out = await lsp({ command: 'document_symbols', path: '/testbed/pkg/shapes.py' });
      expect(out).toContain('Error: the lsp tool is not available in this sandbox');
      expect(out).toContain('no python >= 3.10 that can run jedi-language-server');
      expect(out).toContain(`${ENV}/bin/python (Python 3.6.15)`);
    });
  });
});
