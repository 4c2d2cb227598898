// The scripted policy server is a test stand-in: these tests pin down that it is deterministic, that its solve
// mode really applies each bundled task's gold patch through the editor, and that it speaks the OpenAI protocol.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strReplace } from '../../../core/editor.ts';
import { parseTextToolCalls } from '../../../core/toolCalls.ts';
import { goldEditCalls, parseGoldPatch } from '../../../infra/scripted-policy/goldEdits.ts';
import { chooseMode, planFor, stepAt, type ScriptedTask } from '../../../infra/scripted-policy/policy.ts';
import {
  SCRIPTED_HEADER,
  startScriptedPolicyServer,
  type ScriptedPolicyServer,
} from '../../../infra/scripted-policy/server.ts';
import { TOOL_SPECS } from '../../../activities/trajectory/toolSpecs.ts';
import { MARKERS_PATCH } from '../../fixtures/trickyDiffs.ts';

const tasks = readFileSync('tasks/mini/tasks.jsonl', 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as ScriptedTask & { repo: string; base_commit: string; scripted_success_p: number });

const PATCH = [
  'diff --git a/pkg/a.py b/pkg/a.py',
  'index 1111111..2222222 100644',
  '--- a/pkg/a.py',
  '+++ b/pkg/a.py',
  '@@ -1,4 +1,4 @@ def f(x):',
  ' def f(x):',
  '-    return x',
  '+    return x + 1',
  '',
  ' def g():',
  'diff --git a/pkg/new.py b/pkg/new.py',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/pkg/new.py',
  '@@ -0,0 +1,2 @@',
  '+A = 1',
  '+B = 2',
  '\\ No newline at end of file',
  'diff --git a/pkg/old.py b/pkg/old.py',
  'deleted file mode 100644',
  '--- a/pkg/old.py',
  '+++ /dev/null',
  '@@ -1 +0,0 @@',
  '-X = 1',
  '',
].join('\n');

describe('parseGoldPatch / goldEditCalls', () => {
  it('reads `--- x` / `+++ x` lines inside a hunk as content (core/unifiedDiff counts them)', () => {
    const files = parseGoldPatch(MARKERS_PATCH);
    expect(files.map((f) => [f.path, f.kind])).toEqual([
      ['notes.txt', 'modify'],
      ['gone.txt', 'delete'],
    ]);
    expect(files[0]!.hunks).toEqual([
      { oldText: 'a\n-- x\nb\n', newText: 'a\n++ x\nb\n', section: '' },
      { oldText: 's\nt\nu\n', newText: 's\nt\n++ y\nu\n', section: 'section' },
    ]);
  });

  it('reads modified, created and deleted files, blank context lines and missing final newlines', () => {
    const files = parseGoldPatch(PATCH);
    expect(files.map((f) => [f.path, f.kind])).toEqual([
      ['pkg/a.py', 'modify'],
      ['pkg/new.py', 'create'],
      ['pkg/old.py', 'delete'],
    ]);
    expect(files[0]!.hunks[0]).toEqual({
      oldText: 'def f(x):\n    return x\n\ndef g():\n',
      newText: 'def f(x):\n    return x + 1\n\ndef g():\n',
      section: 'def f(x):',
    });
    expect(goldEditCalls(files, '/testbed')).toEqual([
      {
        name: 'file_editor',
        arguments: {
          command: 'str_replace',
          path: '/testbed/pkg/a.py',
          old_str: files[0]!.hunks[0]!.oldText,
          new_str: files[0]!.hunks[0]!.newText,
        },
      },
      { name: 'file_editor', arguments: { command: 'create', path: '/testbed/pkg/new.py', file_text: 'A = 1\nB = 2' } },
      { name: 'bash', arguments: { command: 'rm /testbed/pkg/old.py' } },
    ]);
  });

  describe('on every bundled task, the str_replace calls reproduce git apply', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'swe-forge-gold-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.each(tasks.map((t) => [t.instance_id, t] as const))('%s', (_id, task) => {
      const lib = task.repo.split('/')[1]!;
      const repo = join(dir, task.instance_id);
      const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
      execFileSync('git', ['clone', '-q', `tasks/mini/repos/${lib}.bundle`, repo]);
      git('checkout', '-q', task.base_commit);
      const changes = parseGoldPatch(task.patch);
      const edited = new Map<string, string>();
      for (const c of goldEditCalls(changes, repo)) {
        expect(c.arguments.command).toBe('str_replace');
        const path = c.arguments.path as string;
        const r = strReplace(
          path,
          edited.get(path) ?? readFileSync(path, 'utf8'),
          c.arguments.old_str as string,
          c.arguments.new_str as string,
        );
        expect(r.ok, r.ok ? '' : r.error).toBe(true);
        if (r.ok) edited.set(path, r.write!);
      }
      execFileSync('git', ['-C', repo, 'apply', '-'], { input: task.patch });
      for (const [path, content] of edited) expect(content).toBe(readFileSync(path, 'utf8'));
    });
  });
});

describe('planFor', () => {
  const task = tasks[0]!;

  it('is deterministic in (seed, task, sample)', () => {
    expect(planFor(task, 7, 3)).toEqual(planFor(task, 7, 3));
    const modes = new Set(Array.from({ length: 40 }, (_, s) => planFor(task, 7, s).mode));
    expect(modes.size).toBeGreaterThan(2);
  });

  it('solves with frequency close to scripted_success_p', () => {
    for (const p of [0.25, 0.8]) {
      const t = { ...task, scripted_success_p: p };
      const n = 4000;
      const solved = Array.from({ length: n }, (_, s) => planFor(t, 1, s).mode).filter((m) => m === 'solve').length;
      expect(Math.abs(solved / n - p)).toBeLessThan(0.03);
    }
  });

  it('splits failures across the failure modes', () => {
    expect(chooseMode(0.1, 0.0, 0.5)).toBe('solve');
    expect(chooseMode(0.6, 0.1, 0.5)).toBe('wrong_edit');
    expect(chooseMode(0.6, 0.5, 0.5)).toBe('explore');
    expect(chooseMode(0.6, 0.7, 0.5)).toBe('solve_no_submit');
    expect(chooseMode(0.6, 0.95, 0.5)).toBe('malformed');
  });

  it('solve ends with the gold edits, a test run and submit; explore repeats one command forever', () => {
    const solve = Array.from({ length: 50 }, (_, s) => planFor(task, 2, s)).find((p) => p.mode === 'solve')!;
    const last = solve.steps.at(-1)!;
    expect(last).toMatchObject({ kind: 'call', name: 'submit' });
    expect(solve.steps.some((s) => s.kind === 'call' && s.arguments.command === 'str_replace')).toBe(true);
    const explore = Array.from({ length: 80 }, (_, s) => planFor(task, 2, s)).find((p) => p.mode === 'explore')!;
    expect(stepAt(explore, 100)).toEqual(stepAt(explore, 101));
    expect(JSON.stringify(explore)).not.toContain('"submit"');
  });

  it('sometimes peeks at git history', () => {
    const peeks = Array.from({ length: 200 }, (_, s) => planFor(task, 3, s)).filter((p) => p.peeksHistory);
    expect(peeks.length).toBeGreaterThan(10);
    expect(JSON.stringify(peeks[0]!.steps)).toContain('git log');
  });
});

describe('scripted policy server over HTTP', () => {
  let server: ScriptedPolicyServer;
  const byId = new Map(tasks.map((t) => [t.instance_id, t]));
  beforeAll(async () => {
    server = await startScriptedPolicyServer({ getTask: async (id) => byId.get(id) });
  });
  afterAll(async () => server?.close());
  const client = (episode: object | undefined) =>
    new OpenAI({
      baseURL: server.baseUrl,
      apiKey: 'EMPTY',
      maxRetries: 0,
      defaultHeaders: episode ? { [SCRIPTED_HEADER]: JSON.stringify(episode) } : {},
    });
  const task = tasks[0]!;
  const episode = { task: task.instance_id, seed: 5, sample: 0 };
  const plan = planFor(task, 5, 0);

  it('answers with native tool calls when tools are offered, following the plan turn by turn', async () => {
    const tools = TOOL_SPECS as unknown as OpenAI.Chat.Completions.ChatCompletionTool[];
    const first = await client(episode).chat.completions.create({
      model: 'scripted',
      messages: [{ role: 'user', content: 'fix it' }],
      tools,
    });
    const step0 = stepAt(plan, 0);
    expect(step0.kind).toBe('call');
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' && call.function.name).toBe(step0.kind === 'call' && step0.name);
    expect(first.usage!.prompt_tokens).toBeGreaterThan(0);
    const second = await client(episode).chat.completions.create({
      model: 'scripted',
      tools,
      messages: [
        { role: 'user', content: 'fix it' },
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: call.id, content: 'ok' },
      ],
    });
    const step1 = stepAt(plan, 1);
    const call1 = second.choices[0]!.message.tool_calls?.[0];
    expect(call1?.type === 'function' && call1.function.name).toBe(step1.kind === 'call' && step1.name);
  });

  it('answers in the text format without tools', async () => {
    const r = await client(episode).chat.completions.create({
      model: 'scripted',
      messages: [{ role: 'user', content: 'fix it' }],
    });
    const parsed = parseTextToolCalls(r.choices[0]!.message.content);
    const step0 = stepAt(plan, 0);
    expect(parsed.calls[0]!.name).toBe(step0.kind === 'call' && step0.name);
  });

  it('lists itself as a test stand-in', async () => {
    const models = await client(undefined).models.list();
    expect(models.data[0]!.owned_by).toBe('swe-forge-test-stand-in');
  });

  it('rejects requests without the episode header, for unknown tasks, and streaming', async () => {
    const msg = [{ role: 'user' as const, content: 'x' }];
    await expect(client(undefined).chat.completions.create({ model: 's', messages: msg })).rejects.toMatchObject({
      status: 400,
    });
    await expect(
      client({ task: 'nope', seed: 1, sample: 0 }).chat.completions.create({ model: 's', messages: msg }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      client(episode).chat.completions.create({ model: 's', messages: msg, stream: true }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
