// Our exports read by the real tools' own loaders, installed from PyPI in the interop virtualenv
// (test/interop/requirements*.txt, made by `infra/bootstrap.sh --test`): LLaMA-Factory's dataset_info parser and
// ShareGPT converter, OpenHands' event_from_dict, SWE-smith's .traj -> SFT converter and SWE-agent's inspector,
// mini-swe-agent's inspector, tool-call parser and agent. The scripts in test/fixtures/export/ print what each
// tool made of the files; these tests check it against what we wrote. Offline: nothing is downloaded here.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrajectoryMessage } from '../../contracts/rollout.ts';
import { TOOL_SPECS } from '../../activities/trajectory/toolSpecs.ts';
import { trajectoryFileName, type TrajectoryFormat } from '../../activities/export/formats.ts';
import { exportTrajectory } from '../../activities/export/trajectoryFormats.ts';
import { loadSettings } from '../../infra/settings.ts';
import { PATCH, nativeTrajectory, textTrajectory } from '../fixtures/exportTrajectories.ts';

const FIXTURES = resolve('test/fixtures/export');
const PYTHON = process.env.SWE_FORGE_INTEROP_PYTHON ?? join(loadSettings().cacheDir, 'interop-venv', 'bin', 'python');
const info = { instanceId: 'fixture__calc-1', model: 'teacher', patch: PATCH, exitStatus: 'submitted' };
type Obj = Record<string, unknown>;
let dir: string;

/** The native fixture with a file view first (OpenHands: a `read` action and observation). */
function withView(): TrajectoryMessage[] {
  const t = nativeTrajectory();
  const view = {
    id: 'call_0_0',
    type: 'function' as const,
    function: { name: 'file_editor', arguments: JSON.stringify({ command: 'view', path: '/testbed/calc/ops.py' }) },
  };
  t.splice(
    2,
    0,
    { role: 'assistant', content: 'Read the module.', tool_calls: [view], meta: { turn: 0 } },
    { role: 'tool', tool_call_id: 'call_0_0', name: 'file_editor', content: '1\tdef add(a, b):\n2\t    return a - b' },
  );
  return t;
}

function python(script: string, args: string[]): Promise<Obj> {
  return new Promise((done, fail) =>
    execFile(
      PYTHON,
      [join(FIXTURES, script), ...args],
      {
        env: {
          ...process.env,
          HF_HOME: join(dir, 'hf'),
          HF_HUB_OFFLINE: '1',
          HF_DATASETS_OFFLINE: '1',
          LITELLM_LOCAL_MODEL_COST_MAP: 'True',
          MSWEA_GLOBAL_CONFIG_DIR: join(dir, 'mswea'),
        },
        maxBuffer: 64 << 20,
        timeout: 240_000,
      },
      (err, stdout, stderr) => {
        if (err) return fail(new Error(`${script}: ${stderr.slice(-3000)}`));
        // The tools log to stdout too; the script's JSON is the last line.
        done(JSON.parse(stdout.trim().split('\n').pop()!) as Obj);
      },
    ),
  );
}

function cli(args: string[]): Promise<string> {
  return new Promise((done, fail) =>
    execFile(process.execPath, [resolve('bin/swe-forge.mjs'), ...args], (err, stdout, stderr) =>
      err ? fail(new Error(stderr)) : done(stdout),
    ),
  );
}

/** One exported trajectory file, laid out as `swe-forge export trajectories` lays it (cli/commands/trajectoriesIo.ts). */
function writeExport(messages: TrajectoryMessage[], format: TrajectoryFormat, name: string): string {
  const folder = format === 'openhands' ? join(dir, name) : join(dir, name, info.instanceId);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, trajectoryFileName(info.instanceId, format));
  writeFileSync(file, JSON.stringify(exportTrajectory(messages, info, format), null, 1));
  return file;
}

beforeAll(() => {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run bash infra/bootstrap.sh --test`);
  dir = mkdtempSync(join(tmpdir(), 'export-real-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('LLaMA-Factory', () => {
  it('keeps every exported row, with the turns of each trajectory', async () => {
    const rows = [nativeTrajectory(), textTrajectory(), withView()];
    writeFileSync(join(dir, 'sft.jsonl'), rows.map((messages) => JSON.stringify({ messages })).join('\n') + '\n');
    const out = join(dir, 'lf', 'data.json');
    await cli(['export', 'sft', 'demo', '--from', join(dir, 'sft.jsonl'), '--format', 'llamafactory', '--out', out]);
    const lf = (await python('llamafactory_load.py', [join(dir, 'lf'), 'demo'])) as {
      formatting: string;
      rows_in: number;
      kept: number;
      rows: {
        prompt_roles: string[];
        response_roles: string[];
        tools: string[];
        tools_prompt: string;
        calls: string[][];
        response: string;
        system: string;
      }[];
    };
    expect(lf.formatting).toBe('sharegpt');
    expect(lf.rows_in).toBe(3);
    expect(lf.kept).toBe(lf.rows_in);
    const [native, text, view] = lf.rows;
    expect(native!.prompt_roles).toEqual(['user', 'function', 'observation', 'function', 'observation']);
    expect(native!.response_roles).toEqual(['function']);
    expect(JSON.parse(native!.response)).toEqual({ name: 'submit', arguments: {} });
    expect(native!.tools).toEqual(TOOL_SPECS.map((t) => t.function.name));
    expect(native!.system).toBe(nativeTrajectory()[0]!.content);
    // Its Qwen template renders every schema and every call (two in one turn) from our JSON.
    for (const t of TOOL_SPECS) expect(native!.tools_prompt).toContain(`"name": "${t.function.name}"`);
    expect(native!.calls).toEqual([['search'], ['file_editor', 'bash'], ['submit']]);
    expect(text!.prompt_roles).toEqual(['user']);
    expect(text!.response_roles).toEqual(['assistant']);
    expect(text!.response).toContain('<tool_call>');
    expect(text!.tools).toEqual([]);
    expect(text!.calls).toEqual([]); // a text-format call is the reply's own text
    expect(view!.calls[0]).toEqual(['file_editor']);
    expect(view!.prompt_roles).toHaveLength(native!.prompt_roles.length + 2);
  }, 300_000);
});

describe('OpenHands', () => {
  const edit = ['CmdRunAction', 'CmdOutputObservation', 'FileEditAction', 'FileEditObservation'];
  it.each([
    ['native', nativeTrajectory, edit],
    ['with a file view', withView, [...edit, 'FileReadAction', 'FileReadObservation']],
    ['text format', textTrajectory, ['SystemMessageAction', 'MessageAction', 'CmdRunAction', 'CmdOutputObservation']],
  ])(
    'event_from_dict accepts every event (%s) and gives back what we wrote',
    async (name, make, kinds) => {
      const file = writeExport(make(), 'openhands', `oh-${name.replace(/ /g, '-')}`);
      const oh = (await python('openhands_load.py', [file])) as {
        events: number;
        accepted: number;
        kinds: string[];
        errors: unknown[];
        mismatches: string[];
      };
      expect(oh.errors).toEqual([]);
      expect(oh.accepted).toBe(oh.events);
      expect(oh.mismatches).toEqual([]);
      expect(oh.kinds).toEqual(expect.arrayContaining(kinds));
      if (name !== 'text format') expect(oh.kinds.at(-1)).toBe('AgentFinishAction');
    },
    300_000,
  );
});

describe('SWE-agent / SWE-smith', () => {
  it('SWE-smith turns the .traj into a non-empty SFT row; SWE-agent’s inspector shows it with the patch', async () => {
    writeExport(nativeTrajectory(), 'swe-agent', 'swe');
    // A .traj SWE-agent 1.1.0 wrote itself (test/fixtures/foreign/README.md): the keys ours must have too.
    const reference = resolve('test/fixtures/foreign/swe-agent/calc__calc-3.traj.gz');
    const r = (await python('sweagent_load.py', [join(dir, 'swe'), info.instanceId, reference])) as {
      missing_keys: { top: string[]; step: string[]; history: Record<string, string[]> };
      reference_version: string;
      steps: number;
      query_lengths: number[];
      missing_step_keys: string[];
      converted: Record<string, { messages: number; roles: string[]; first: string; last: string }>;
      model: string;
      inspector_roles: string[];
      inspector_patch: string;
      inspector_text: boolean;
      errors: string[];
    };
    expect(r.errors).toEqual([]);
    expect(r.missing_step_keys).toEqual([]);
    expect(r.reference_version).toBe('1.1.0');
    expect(r.missing_keys.top).toEqual([]);
    expect(r.missing_keys.step).toEqual([]);
    expect(r.missing_keys.history).toEqual({ system: [], user: [], assistant: [], tool: [] });
    expect(r.steps).toBe(4);
    expect(r.query_lengths.every((n) => n > 0)).toBe(true);
    // The last step's query: everything the model had read before it submitted.
    expect(r.converted.tool!.roles).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'tool', 'tool']);
    expect(r.converted.tool!.first).toBe(nativeTrajectory()[0]!.content);
    expect(r.converted.xml!.messages).toBe(r.converted.tool!.messages);
    expect(r.converted.xml!.first).toBe('swesmith-infer-system-prompt'); // the xml style puts its own prompt first
    expect(r.converted.xml!.last).toBe('3 passed in 0.01s');
    expect(r.model).toBe('teacher');
    expect(r.inspector_text).toBe(true);
    expect(r.inspector_roles).toContain('model_patch');
    expect(r.inspector_patch).toBe(PATCH);
  }, 300_000);
});

describe('mini-swe-agent', () => {
  it('its inspector pages the file, its parser gives our actions, its agent replays it to the same file', async () => {
    const file = writeExport(nativeTrajectory(), 'mini-swe-agent', 'mini');
    const ours = exportTrajectory(nativeTrajectory(), info, 'mini-swe-agent') as { messages: Obj[] };
    const m = (await python('mini_swe_agent_load.py', [file])) as {
      inspector: { steps: number; messages: number; pages: number[] };
      actions_parsed: boolean[];
      replayed_roles: string[];
      exit: Obj;
      keys_missing: string[];
      info_keys_missing: string[];
      trajectory_format: [string, string];
      problems: string[];
    };
    expect(m.problems).toEqual([]);
    expect(m.inspector.messages).toBe(ours.messages.length);
    expect(m.inspector.pages.reduce((a, b) => a + b, 0)).toBe(ours.messages.length);
    expect(m.actions_parsed).toEqual([true, true, true]);
    expect(m.replayed_roles).toEqual(ours.messages.map((x) => x.role));
    expect(m.exit).toMatchObject({ exit_status: 'Submitted', submission: PATCH });
    expect(m.keys_missing).toEqual([]);
    expect(m.info_keys_missing).toEqual([]);
    expect(m.trajectory_format[0]).toBe(m.trajectory_format[1]);
  }, 300_000);
});
