// The evaluation harness on real Docker over a repository the test builds: the scrubbed task image, gold vs
// empty, a patch that does not apply, the patch --fuzz fallback, a model that edits the tests, a hanging test, a
// test printing 100 MB, an image that cannot start, and an injected create failure.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCKER_LABELS } from '../../core/constants.ts';
import { SandboxSchema } from '../../config/schema.ts';
import { evaluatePatch } from '../../activities/harness/evaluate.ts';
import { prepareImport } from '../../activities/tasks/importFile.ts';
import { connectDocker } from '../../infra/docker.ts';
import { BASE_COMMIT_LABEL, ensureTaskImage } from '../../infra/images/taskImage.ts';
import { Sandbox, setCreateFaultRate } from '../../infra/sandbox.ts';
import { makeCalcRepo, type CalcRepo } from '../fixtures/calcRepo.ts';
import { removeRunContainers, removeTaskImages, runContainers } from '../../dev/dockerCleanup.ts';

const RUN = `harness-test-${process.pid}`;
const sandbox = SandboxSchema.parse({ testTimeoutSec: 120 });
let docker: Docker;
let repo: CalcRepo;
const opts = () => ({ sandbox, labels: { run: RUN }, source: { repoPath: repo.dir } });

beforeAll(async () => {
  docker = await connectDocker();
  repo = makeCalcRepo();
});
afterAll(async () => {
  setCreateFaultRate(0);
  await removeRunContainers(docker, RUN);
  await removeTaskImages(docker, `fixture__calc-${process.pid}-`);
  rmSync(repo.root, { recursive: true, force: true });
});

describe('task image', () => {
  it('holds the repository at base_commit with nothing after it reachable or known', async () => {
    const image = await ensureTaskImage(docker, repo.tasks.calc, { repoPath: repo.dir });
    const labels = (await docker.getImage(image).inspect()).Config.Labels;
    expect(labels).toMatchObject({
      [DOCKER_LABELS.managed]: 'true',
      [DOCKER_LABELS.kind]: 'task-image',
      [BASE_COMMIT_LABEL]: repo.baseCommit,
    });
    const sb = await Sandbox.create(docker, {
      image,
      labels: { run: RUN },
      memoryMb: 512,
      pidsLimit: 128,
      cpuShares: 512,
      network: false,
    });
    try {
      const sh = async (cmd: string) => (await sb.exec(cmd, { user: 'agent' })).output.trim();
      expect(await sh('git rev-parse HEAD')).toBe(repo.baseCommit);
      expect(await sh('git log --all --format=%H')).toBe(repo.baseCommit);
      expect(await sh('git rev-list --all --reflog')).toBe(repo.baseCommit);
      for (const c of repo.laterCommits) expect((await sb.exec(`git cat-file -e ${c}`)).exitCode).not.toBe(0);
      expect(await sh('git tag')).toBe('v0.1');
      expect(await sh('git stash list; git remote; git notes list 2>/dev/null; git status --porcelain')).toBe('');
      expect(await sh('git branch --format="%(refname:short)"')).toBe('main');
      // the agent user owns the tree (it edits it), and git works as root too (the harness)
      expect(await sh('stat -c %U calc.py && git -C /testbed status --short | wc -l')).toBe('agent\n0');
      expect((await sb.exec('git status --short', { user: 'root' })).exitCode).toBe(0);
    } finally {
      await sb.remove();
    }
    // cached: a second call finds the image by its build key
    const id = (await docker.getImage(image).inspect()).Id;
    await ensureTaskImage(docker, repo.tasks.calc, { repoPath: repo.dir });
    expect((await docker.getImage(image).inspect()).Id).toBe(id);
  });
});

describe('environments from a repo spec and from a named image', () => {
  it('a per-repo spec file beside the JSONL adds install steps and env to the image and the test run', async () => {
    const dir = join(repo.root, 'suite');
    mkdirSync(join(dir, 'specs'), { recursive: true });
    writeFileSync(join(dir, 'tasks.jsonl'), `${JSON.stringify(repo.tasks.calc)}\n`);
    const spec = {
      pre_install: ['mkdir -p /opt/calc'],
      install: 'echo installed > /opt/calc/marker',
      env: { CALC_MODE: 'strict' },
    };
    writeFileSync(join(dir, 'specs', 'fixture__calc.json'), JSON.stringify(spec));
    const { rows, errors } = await prepareImport(join(dir, 'tasks.jsonl'), { 'fixture/calc': repo.dir });
    expect(errors).toEqual([]);
    const task = { ...rows[0]!.task, instance_id: `${repo.tasks.calc.instance_id}-spec` };
    expect(task.install_config).toMatchObject(spec);
    const image = await ensureTaskImage(docker, task, { repoPath: repo.dir });
    const sb = await Sandbox.create(docker, {
      image,
      labels: { run: RUN },
      memoryMb: 512,
      pidsLimit: 128,
      cpuShares: 512,
      network: false,
    });
    try {
      expect((await sb.exec('cat /opt/calc/marker; echo $CALC_MODE; git status --porcelain')).output).toBe(
        'installed\nstrict\n',
      );
    } finally {
      await sb.remove();
    }
    expect((await evaluatePatch(docker, task, task.patch, opts())).outcome).toBe('resolved');
  });

  it('a task naming an image the engine already has uses it as it is', async () => {
    const built = await ensureTaskImage(docker, repo.tasks.calc, { repoPath: repo.dir });
    const tag = `swe-forge/test-published:${process.pid}`;
    await docker.getImage(built).tag({ repo: 'swe-forge/test-published', tag: String(process.pid) });
    try {
      const task = { ...repo.tasks.calc, image_name: tag };
      const id = (await docker.getImage(tag).inspect()).Id;
      const r = await evaluatePatch(docker, task, task.patch, opts());
      expect(r.outcome).toBe('resolved');
      expect((await docker.getImage(tag).inspect()).Id).toBe(id);
    } finally {
      await docker
        .getImage(tag)
        .remove()
        .catch(() => undefined);
    }
  });
});

describe('evaluatePatch', () => {
  it('the gold patch resolves (full and cut parametrised ids), the empty patch does not', async () => {
    const gold = await evaluatePatch(docker, repo.tasks.calc, repo.tasks.calc.patch, opts());
    expect(gold.outcome).toBe('resolved');
    expect(gold.failToPass.failed).toEqual([]);
    expect(gold.failToPass.passed).toContain('tests/test_add.py::test_add_param[s,');
    expect(gold.tests['tests/test_add.py::test_add_param[s, t]']).toBe('PASSED');
    expect(gold.passToPass.passed).toEqual(['tests/test_add.py::test_add_zero']);
    const empty = await evaluatePatch(docker, repo.tasks.calc, '', opts());
    expect(empty.outcome).toBe('unresolved');
    expect(empty.failToPass.failed).toHaveLength(3);
    expect(empty.passToPass.passed).toEqual(['tests/test_add.py::test_add_zero']);
    expect(empty.message).toMatch(/FAIL_TO_PASS 0\/3 passed/);
  });

  it('a patch that does not apply is patch_failed, with what git apply said', async () => {
    const bad = 'diff --git a/nope.py b/nope.py\n--- a/nope.py\n+++ b/nope.py\n@@ -1 +1 @@\n-x\n+y\n';
    const r = await evaluatePatch(docker, repo.tasks.calc, bad, opts());
    expect(r.outcome).toBe('patch_failed');
    expect(r.message).toMatch(/nope\.py/);
  });

  it('falls back to patch --fuzz=5 when git apply refuses a drifted context line', async () => {
    const drifted = repo.tasks.calc.patch.replace(' def mul(a, b):', ' def mul(a,b):');
    const r = await evaluatePatch(docker, repo.tasks.calc, drifted, opts());
    expect(r.outcome).toBe('resolved');
    expect(r.message).toMatch(/patch --fuzz=5/);
  });

  it('test files the model wrote are replaced by the task test_patch before the run', async () => {
    // A model that "adds" the graded test file with tests that pass on the buggy code.
    const cheat =
      'diff --git a/tests/test_add.py b/tests/test_add.py\nnew file mode 100644\n--- /dev/null\n+++ b/tests/test_add.py\n@@ -0,0 +1,2 @@\n+def test_add():\n+    pass\n';
    const r = await evaluatePatch(docker, repo.tasks.calc, cheat, opts());
    expect(r.outcome).toBe('unresolved');
    expect(r.failToPass.failed).toContain('tests/test_add.py::test_add');
  });

  it('a hanging test: the run is cut at its timeout and graded unresolved, keeping what finished', async () => {
    const r = await evaluatePatch(docker, repo.tasks.hang, repo.tasks.hang.patch, { ...opts(), timeoutSec: 5 });
    expect(r.outcome).toBe('unresolved');
    expect(r.message).toMatch(/tests timed out after 5s/);
    expect(r.tests['tests/test_hang.py::test_add_quick']).toBe('PASSED');
    expect(r.tests).not.toHaveProperty('tests/test_hang.py::test_hangs');
  });

  it('a test printing 100 MB: grading is still right and what comes back is bounded', async () => {
    const gold = await evaluatePatch(docker, repo.tasks.bigOutput, repo.tasks.bigOutput.patch, opts());
    expect(gold.outcome).toBe('resolved');
    expect(gold.logTail.length).toBeLessThanOrEqual(17_000);
    expect(gold.logTail).toMatch(/1 passed/);
    const empty = await evaluatePatch(docker, repo.tasks.bigOutput, '', opts());
    expect(empty.outcome).toBe('unresolved');
  });

  it('an image whose container cannot start, or no image at all, is infra_error', async () => {
    const tag = `swe-forge/test-broken:${process.pid}`;
    // An empty image: the container is created but its process cannot be started.
    const { tarFiles } = await import('../../infra/tar.ts');
    const ctx = tarFiles([
      {
        name: 'Dockerfile',
        content: Buffer.from(
          `FROM scratch\nLABEL ${DOCKER_LABELS.managed}=true ${DOCKER_LABELS.task}=fixture__calc-${process.pid}-broken\n`,
        ),
      },
    ]);
    const stream = await docker.buildImage(ctx as unknown as NodeJS.ReadableStream, { t: tag });
    await new Promise((resolve, reject) => docker.modem.followProgress(stream, (e) => (e ? reject(e) : resolve(null))));
    const broken = { ...repo.tasks.calc, image_name: tag };
    const r = await evaluatePatch(docker, broken, repo.tasks.calc.patch, { sandbox, labels: { run: RUN } });
    expect(r.outcome).toBe('infra_error');
    // A named image is first derived (history scrubbed): a broken one fails there, still an infra_error.
    expect(r.message).toMatch(/failed to start|executable file not found|no such file|no matching entries in passwd/i);
    const missing = { ...repo.tasks.calc, image_name: `swe-forge/test-missing:${process.pid}` };
    const m = await evaluatePatch(docker, missing, '', { sandbox, labels: { run: RUN } });
    expect(m.outcome).toBe('infra_error');
    expect(m.message).toContain(`image ${missing.image_name} is not here and could not be pulled`);
    expect(await runContainers(docker, RUN)).toEqual([]);
  });

  it('a base_commit the source lacks: no image can be built, infra_error saying so', async () => {
    const task = {
      ...repo.tasks.calc,
      instance_id: `${repo.tasks.calc.instance_id}-nobase`,
      base_commit: 'deadbeef'.repeat(5),
    };
    const r = await evaluatePatch(docker, task, task.patch, opts());
    expect(r.outcome).toBe('infra_error');
    expect(r.message).toMatch(/base_commit deadbeef\w+ is not in /);
  });

  it('an injected Sandbox.create fault is infra_error, and evaluation works again once it is off', async () => {
    setCreateFaultRate(1);
    const r = await evaluatePatch(docker, repo.tasks.calc, repo.tasks.calc.patch, opts());
    expect(r.outcome).toBe('infra_error');
    expect(r.message).toMatch(/injected fault/);
    setCreateFaultRate(0);
    expect((await evaluatePatch(docker, repo.tasks.calc, repo.tasks.calc.patch, opts())).outcome).toBe('resolved');
  });
});
