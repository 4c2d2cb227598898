// Every wrong fix the scripted stand-in can play (infra/scripted-policy/mutations.ts) really is wrong: graded by
// the harness in Docker, each mutant of each bundled task is unresolved, and it fails at least one listed test
// while the patch applies (not patch_failed). The mutants the equivalence list excludes are checked too: if one
// of them starts failing the tests (the list went stale), this says so.
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxSchema } from '../../config/schema.ts';
import { evaluatePatch } from '../../activities/harness/evaluate.ts';
import { prepareImport, type PreparedImport } from '../../activities/tasks/importFile.ts';
import { connectDocker } from '../../infra/docker.ts';
import { EQUIVALENT_MUTANTS } from '../../infra/scripted-policy/equivalentMutants.ts';
import { mutatePatch } from '../../infra/scripted-policy/mutations.ts';
import { wrongEditKinds } from '../../infra/scripted-policy/policy.ts';
import { removeRunContainers } from '../../dev/dockerCleanup.ts';

const RUN = `scripted-mutations-${process.pid}`;
let docker: Docker;
let prepared: PreparedImport;
const sandbox = SandboxSchema.parse({ memoryMb: 512, testTimeoutSec: 120 });

beforeAll(async () => {
  docker = await connectDocker();
  prepared = await prepareImport('tasks/mini/tasks.jsonl');
});
afterAll(async () => {
  await removeRunContainers(docker, RUN);
});

describe('the stand-in teacher’s wrong fixes fail the tests', () => {
  it('every playable mutant of every bundled task is unresolved; every listed equivalent one resolves', async () => {
    const seen: string[] = [];
    for (const { task, sourcePath } of prepared.rows) {
      const grade = (patch: string) =>
        evaluatePatch(docker, task, patch, { sandbox, labels: { run: RUN }, source: { repoPath: sourcePath! } });
      for (const kind of wrongEditKinds({ ...task, patch: task.patch })) {
        const r = await grade(mutatePatch(task.patch, kind)!);
        seen.push(`${task.instance_id}/${kind}: ${r.outcome}`);
        expect(r.outcome, `${task.instance_id} ${kind}: ${r.message}`).toBe('unresolved');
        expect(r.failToPass.failed.length + r.passToPass.failed.length).toBeGreaterThan(0);
      }
      for (const kind of EQUIVALENT_MUTANTS[task.instance_id] ?? []) {
        const r = await grade(mutatePatch(task.patch, kind)!);
        expect(r.outcome, `${task.instance_id} ${kind} is listed as equivalent: ${r.message}`).toBe('resolved');
      }
    }
    expect(seen.length).toBeGreaterThanOrEqual(30);
  }, 900_000);
});
