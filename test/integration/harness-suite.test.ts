// The bundled suite (tasks/mini) on real Docker: it imports offline from its bundles with no flags, every task
// validates (gold resolves, empty does not), and a task container knows nothing after base_commit.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxSchema } from '../../config/schema.ts';
import { validateTasks } from '../../activities/harness/validate.ts';
import { prepareImport, type PreparedImport } from '../../activities/tasks/importFile.ts';
import { connectDocker } from '../../infra/docker.ts';
import { ensureTaskImage } from '../../infra/images/taskImage.ts';
import { Sandbox } from '../../infra/sandbox.ts';
import { removeRunContainers } from '../../dev/dockerCleanup.ts';

const SUITE = join(import.meta.dirname, '..', '..', 'tasks', 'mini', 'tasks.jsonl');
const RUN = `harness-suite-${process.pid}`;
let docker: Docker;
let prepared: PreparedImport;
let scratch: string;

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

beforeAll(async () => {
  docker = await connectDocker();
  prepared = await prepareImport(SUITE);
  scratch = mkdtempSync(join(tmpdir(), 'swe-forge-suite-'));
});
afterAll(async () => {
  await removeRunContainers(docker, RUN);
  rmSync(scratch, { recursive: true, force: true });
});

describe('tasks/mini', () => {
  it('imports offline from its bundles: at least 16 tasks over at least 4 libraries, no bad rows', () => {
    expect(prepared.errors).toEqual([]);
    expect(prepared.rows.length).toBeGreaterThanOrEqual(16);
    expect(new Set(prepared.rows.map((r) => r.task.repo)).size).toBeGreaterThanOrEqual(4);
    for (const r of prepared.rows) expect(r.sourcePath).toMatch(/tasks\/mini\/repos\/[a-z]+\.bundle$/);
  });

  it('inside a task container, git knows no commit after base_commit and not the fix commit', async () => {
    const { task, sourcePath } = prepared.rows[0]!;
    const clone = join(scratch, 'full');
    git(scratch, 'clone', '-q', sourcePath!, clone);
    const base = git(clone, 'rev-parse', `${task.base_commit}^{commit}`);
    const history = git(clone, 'rev-list', base).split('\n');
    const later = git(clone, 'rev-list', '--all', `^${base}`).split('\n').filter(Boolean);
    const fix = git(clone, 'rev-list', '--ancestry-path', '--reverse', `${base}..origin/HEAD`).split('\n')[0]!;
    expect(later).toContain(fix);
    const image = await ensureTaskImage(docker, task, { repoPath: sourcePath! });
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
      expect((await sh('git log --all --format=%H')).split('\n').sort()).toEqual([...history].sort());
      const known = await sh(later.map((c) => `git cat-file -e ${c} 2>/dev/null && echo ${c}`).join('; ') + '; true');
      expect(known).toBe('');
      expect((await sb.exec(`git cat-file -e ${fix}`)).exitCode).not.toBe(0);
      for (const tag of (await sh('git tag')).split('\n').filter(Boolean)) {
        expect(history).toContain(git(clone, 'rev-parse', `${tag}^{commit}`));
      }
    } finally {
      await sb.remove();
    }
  });

  it('every task validates: the gold patch resolves it, the empty patch does not', async () => {
    const tasks = prepared.rows.map((r) => ({ ...r.task, source_path: r.sourcePath }));
    const results = await validateTasks(docker, tasks, {
      sandbox: SandboxSchema.parse({ testTimeoutSec: 300 }),
      concurrency: 2,
      attempts: 2,
    });
    const bad = results
      .filter((v) => !v.valid)
      .map((v) => `${v.instance_id}: gold ${v.gold.message}; empty ${v.empty.message}`);
    expect(bad).toEqual([]);
    expect(results).toHaveLength(tasks.length);
    expect(results.every((v) => v.gold_resolved && !v.empty_resolved)).toBe(true);
  });
});
