// `swe-forge rollout` and `swe-forge trajectory show` as a user runs them: a real process, real Docker, the test
// stack's Postgres through DATABASE_URL, the scripted policy server (the test stand-in) in the CLI's process.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTaskJsonl } from '../../core/task.ts';
import { createTaskStore } from '../../activities/tasks/store.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';

const run = promisify(execFile);
let stack: TestStack;
let env: NodeJS.ProcessEnv;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/swe-forge.mjs', ...args], { env, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  stack = await startTestStack({ temporal: false, prefix: 'rollout-cli' });
  const parsed = parseTaskJsonl(readFileSync('tasks/mini/tasks.jsonl', 'utf8'));
  await createTaskStore(stack.pool!).importRows(
    parsed.tasks.map(({ task }) => ({
      task,
      sourcePath: resolve(`tasks/mini/repos/${task.repo.split('/')[1]}.bundle`),
    })),
  );
  env = {
    ...process.env,
    DATABASE_URL: stack.pg!.url,
    SWE_FORGE_DATA: join(stack.dir, 'data'),
    SWE_FORGE_ARTIFACTS: join(stack.dir, 'artifacts'),
  };
});
afterAll(async () => stack?.stop());

describe('swe-forge rollout / trajectory show', () => {
  it('--json prints one object per rollout and the rows can be shown', async () => {
    const r = await cli(
      'rollout',
      '--task',
      'mini__textkit-3',
      '--model',
      'scripted-teacher',
      '--n',
      '2',
      '--seed',
      '3',
      '--run-id',
      'cli-it',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    for (const [i, l] of lines.entries()) {
      expect(Object.keys(l)).toEqual(
        expect.arrayContaining(['task', 'sample', 'exit_reason', 'outcome', 'reward', 'masked', 'turns']),
      );
      expect(l).toMatchObject({ task: 'mini__textkit-3', sample: i, masked: false });
    }
    const { rows } = await stack.pool!.query(
      'select id, sample, reward from rollouts where run_id = $1 order by sample',
      ['cli-it'],
    );
    expect(rows.map((x) => [Number(x.id), x.reward])).toEqual(lines.map((l) => [l.rollout_id, l.reward]));

    const shown = await cli('trajectory', 'show', String(lines[0]!.rollout_id), '--json');
    expect(shown.code, shown.stderr).toBe(0);
    const doc = JSON.parse(shown.stdout) as { rollout: { task_id: string }; messages: { role: string }[] };
    expect(doc.rollout.task_id).toBe('mini__textkit-3');
    expect(doc.messages[0]!.role).toBe('system');

    const human = await cli('trajectory', 'show', String(lines[0]!.rollout_id));
    expect(human.stdout).toMatch(/^rollout \d+: run cli-it · eval · mini__textkit-3 #0/);
  });

  it('streams the trajectory without --json', async () => {
    const r = await cli(
      'rollout',
      '--task',
      'mini__intervals-2',
      '--model',
      'scripted-teacher',
      '--run-id',
      'cli-stream',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/── rollout mini__intervals-2 #0/);
    expect(r.stdout).toMatch(/\[1\] assistant/);
    expect(r.stdout).toMatch(/trajectory: .*mini__intervals-2\/0\.jsonl/);
  });

  it('fails with a non-zero exit and a message naming the problem', async () => {
    const unknownTask = await cli('rollout', '--task', 'mini__nope-1', '--model', 'scripted-teacher', '--json');
    expect(unknownTask.code).toBe(2);
    expect(unknownTask.stderr).toMatch(/mini__nope-1 is not in the task store/);
    const noUrl = await cli('rollout', '--task', 'mini__textkit-3', '--model', 'tiny-student', '--json');
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/tiny-student .* has no baseUrl/);
    const unknownModel = await cli('rollout', '--task', 'mini__textkit-3', '--model', 'gpt-x');
    expect(unknownModel.code).toBe(2);
    expect(unknownModel.stderr).toMatch(/--model gpt-x: not in the config/);
    const missing = await cli('trajectory', 'show', '987654');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no rollout with id 987654/);
  });
});
