// The agent loop and its tools against a deterministic fake model and an in-memory environment: every bad input
// a model can produce becomes an observation or a recorded error, and the limits end the loop as documented.
import { describe, expect, it } from 'vitest';
import { runAgent, type RunAgentInput } from '../../../../activities/agent/loop.ts';
import {
  ContextLengthError,
  ModelRejectedError,
  ModelUnavailableError,
  NotAFileError,
} from '../../../../activities/agent/protocols.ts';
import type { AgentLimits, Environment, Model, ModelReply } from '../../../../activities/agent/protocols.ts';
import { formatTextToolCall } from '../../../../core/toolCalls.ts';

const limits: AgentLimits = {
  maxTurns: 20,
  contextTokens: 131072,
  wallTimeSec: 3600,
  commandTimeoutSec: 30,
  outputCapBytes: 16384,
  loopThreshold: 3,
};

type Step = ModelReply | Error | ((turn: number) => ModelReply);
const native = (name: string, args: unknown, id = `c${Math.random()}`): ModelReply => ({
  content: '',
  toolCalls: [
    { id, type: 'function', function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args) } },
  ],
  usage: null,
});
const text = (content: string): ModelReply => ({ content, usage: null });
const SUBMIT = native('submit', {});

function fakeModel(steps: Step[], toolFormat: 'native' | 'text' = 'native'): Model & { calls: number } {
  const m = {
    name: 'fake',
    toolFormat,
    calls: 0,
    async query(): Promise<ModelReply> {
      const s = steps[Math.min(m.calls, steps.length - 1)]!;
      m.calls++;
      if (s instanceof Error) throw s;
      return typeof s === 'function' ? s(m.calls) : s;
    },
  };
  return m;
}

function fakeEnv(
  files: Record<string, string | Buffer> = {},
): Environment & { execs: string[]; files: Map<string, string | Buffer> } {
  const store = new Map(Object.entries(files));
  const execs: string[] = [];
  return {
    id: 'fake',
    workdir: '/testbed',
    execs,
    files: store,
    async exec(cmd) {
      execs.push(cmd);
      return { output: `ran: ${cmd}`, exitCode: cmd.includes('false') ? 1 : 0, timedOut: false, truncatedBytes: 0 };
    },
    async readFile(path) {
      if (path === '/testbed' || path === '/testbed/pkg') throw new NotAFileError(path);
      const v = store.get(path);
      return v === undefined ? null : Buffer.from(v);
    },
    async writeFile(path, content) {
      store.set(path, content);
    },
    async deleteFile(path) {
      store.delete(path);
    },
    async diff() {
      return '';
    },
  };
}

const run = (model: Model, env = fakeEnv(), over: Partial<RunAgentInput> = {}) =>
  runAgent({ model, env, limits, system: 'sys', user: 'task', ...over });

describe('runAgent: bad input from the model', () => {
  it('invalid JSON arguments become an error observation answering the call id', async () => {
    const r = await run(fakeModel([native('bash', '{"command": "ls', 'bad1'), SUBMIT]));
    expect(r.exitReason).toBe('submitted');
    const obs = r.messages.find((m) => m.tool_call_id === 'bad1')!;
    expect(obs.content).toMatch(/^Error: arguments are not valid JSON/);
    expect(obs.meta?.error).toBeDefined();
    expect(r.formatErrors).toBe(1);
  });

  it('an unknown tool and missing fields are observations', async () => {
    const env = fakeEnv();
    const r = await run(
      fakeModel([
        native('run_shell', { cmd: 'ls' }),
        native('file_editor', { command: 'view' }),
        native('bash', {}),
        SUBMIT,
      ]),
      env,
    );
    const tools = r.messages.filter((m) => m.role === 'tool').map((m) => m.content);
    expect(tools[0]).toMatch(/unknown tool "run_shell"; the tools are bash, file_editor, search, submit/);
    expect(tools[1]).toMatch(/missing required argument "path"/);
    expect(tools[2]).toMatch(/missing required argument "command"/);
    expect(env.execs).toEqual([]);
    expect(r.formatErrors).toBe(3);
  });

  it('an empty reply or one without a tool call gets a reminder and counts as a format error', async () => {
    const r = await run(fakeModel([text(''), text('thinking...'), SUBMIT]));
    const reminders = r.messages.filter((m) => m.role === 'user' && m.meta?.error === 'no tool call');
    expect(reminders).toHaveLength(2);
    expect(reminders[0]!.content).toMatch(/No tool call found/);
    expect(r.formatErrors).toBe(2);
    expect(r.exitReason).toBe('submitted');
  });

  it('a 1 MB reply is kept and ends the run at the context limit (forced submission follows)', async () => {
    const huge = 'x'.repeat(1 << 20);
    const r = await run(fakeModel([text(huge), SUBMIT]));
    expect(r.exitReason).toBe('context_limit');
    expect(r.messages.find((m) => m.role === 'assistant')!.content).toHaveLength(1 << 20);
    expect(r.turns).toBe(1);
  });

  it('a command over the exec size limit is refused without reaching the container', async () => {
    const env = fakeEnv();
    const r = await run(fakeModel([native('bash', { command: `echo ${'y'.repeat(200_000)}` }), SUBMIT]), env);
    expect(r.messages.find((m) => m.role === 'tool')!.content).toMatch(/over the 65536-byte limit/);
    expect(env.execs).toEqual([]);
  });

  it('text-format defects are observations too', async () => {
    const r = await run(
      fakeModel(
        [
          text('<tool_call>{"name": "bash", "arguments": {"command": "ls"</tool_call>'),
          text(`ok ${formatTextToolCall('submit', {})}`),
        ],
        'text',
      ),
    );
    expect(r.exitReason).toBe('submitted');
    expect(r.messages.filter((m) => m.role === 'tool')[0]).toMatchObject({
      tool_call_id: 'call_1_0',
      content: expect.stringMatching(/not valid JSON/),
    });
  });
});

describe('runAgent: limits and exits', () => {
  it('stops at max turns', async () => {
    const r = await run(fakeModel([(t) => native('bash', { command: `echo ${t}` })]), fakeEnv(), {
      limits: { ...limits, maxTurns: 5 },
    });
    expect(r).toMatchObject({ exitReason: 'max_turns', turns: 5, loopCount: 0 });
  });

  it('stops at the wall-time limit', async () => {
    let clock = 0;
    const model = fakeModel([(t) => native('bash', { command: `echo ${t}` })]);
    const r = await run(model, fakeEnv(), { now: () => (clock += 400_000), limits: { ...limits, wallTimeSec: 3600 } });
    expect(r.exitReason).toBe('timeout');
    expect(r.turns).toBeLessThan(5);
  });

  it('uses reported usage for the context limit', async () => {
    const reply = { ...native('bash', { command: 'ls' }), usage: { promptTokens: 900, completionTokens: 200 } };
    const r = await run(fakeModel([reply]), fakeEnv(), { limits: { ...limits, contextTokens: 1000 } });
    expect(r).toMatchObject({ exitReason: 'context_limit', turns: 1, promptTokens: 900, completionTokens: 200 });
    expect(r.messages[2]!.meta?.usage).toEqual({ prompt: 900, completion: 200 });
  });

  it('maps the endpoint errors: context length -> context_limit, rejected -> model_error, unavailable -> thrown', async () => {
    expect((await run(fakeModel([new ContextLengthError('too long')]))).exitReason).toBe('context_limit');
    const rejected = await run(fakeModel([new ModelRejectedError('HTTP 422: nope')]));
    expect(rejected).toMatchObject({ exitReason: 'model_error', error: 'HTTP 422: nope' });
    await expect(run(fakeModel([new ModelUnavailableError('down')]))).rejects.toBeInstanceOf(ModelUnavailableError);
  });

  it('runs several calls of one reply in order and stops at submit', async () => {
    const env = fakeEnv();
    const reply: ModelReply = {
      content: 'two things',
      toolCalls: [
        { id: 'a', type: 'function', function: { name: 'bash', arguments: '{"command": "echo 1"}' } },
        { id: 'b', type: 'function', function: { name: 'bash', arguments: 'nope' } },
        { id: 'c', type: 'function', function: { name: 'submit', arguments: '{}' } },
        { id: 'd', type: 'function', function: { name: 'bash', arguments: '{"command": "echo never"}' } },
      ],
      usage: null,
    };
    const r = await run(fakeModel([reply]), env);
    expect(r.exitReason).toBe('submitted');
    expect(r.messages.filter((m) => m.role === 'tool').map((m) => m.tool_call_id)).toEqual(['a', 'b', 'c']);
    expect(env.execs).toEqual(['echo 1']);
    expect(r.messages[2]!.tool_calls!.map((c) => c.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('counts loops: the same action more than 3 times in a row, once per run of repeats', async () => {
    const same = native('bash', { command: 'pytest' });
    const steps: Step[] = [...Array(6).fill(same), native('bash', { command: 'ls' }), ...Array(4).fill(same), SUBMIT];
    const r = await run(fakeModel(steps));
    expect(r.loopCount).toBe(2);
    const three = await run(fakeModel([same, same, same, SUBMIT]));
    expect(three.loopCount).toBe(0);
  });

  it('refuses history commands, counts them, and never runs them', async () => {
    const env = fakeEnv();
    const r = await run(
      fakeModel([
        native('bash', { command: 'git log --oneline' }),
        native('bash', { command: 'git show HEAD~1' }),
        SUBMIT,
      ]),
      env,
    );
    expect(r.historyAttempts).toBe(2);
    expect(env.execs).toEqual([]);
    expect(r.messages.filter((m) => m.meta?.refused).map((m) => m.meta!.refused)).toEqual(['git log', 'git show']);
  });
});

describe('file_editor through the toolbox', () => {
  it('creates, views, replaces and undoes; refuses binaries; lists directories', async () => {
    const env = fakeEnv({ '/testbed/bin.dat': Buffer.from([0, 1, 2]) });
    const fe = (args: object) => native('file_editor', args);
    const r = await run(
      fakeModel([
        fe({ command: 'create', path: 'pkg/a.py', file_text: 'x = 1\n' }),
        fe({ command: 'str_replace', path: '/testbed/pkg/a.py', old_str: 'x = 1', new_str: 'x = 2' }),
        fe({ command: 'view', path: '/testbed/pkg/a.py' }),
        fe({ command: 'undo_edit', path: '/testbed/pkg/a.py' }),
        fe({ command: 'view', path: '/testbed/bin.dat' }),
        fe({ command: 'view', path: '/testbed/pkg' }),
        fe({ command: 'undo_edit', path: '/testbed/pkg/a.py' }),
        SUBMIT,
      ]),
      env,
    );
    const obs = r.messages.filter((m) => m.role === 'tool').map((m) => m.content);
    expect(obs[0]).toMatch(/Created \/testbed\/pkg\/a.py/);
    expect(obs[2]).toBe('Here is /testbed/pkg/a.py with line numbers:\n     1\tx = 2');
    expect(obs[3]).toMatch(/Reverted/);
    expect(obs[4]).toMatch(/binary file/);
    expect(obs[5]).toMatch(/^Files and directories up to 2 levels deep in \/testbed\/pkg/);
    expect(env.files.has('/testbed/pkg/a.py')).toBe(false); // the second undo reverts the creation
  });
});
