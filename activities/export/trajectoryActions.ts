// Our four tools as the other agents spell them. SWE-agent has the same editor (`str_replace_editor`) and its own
// search tools; OpenHands has `execute_bash` and `str_replace_editor`; mini-swe-agent has only bash, so every call
// becomes the shell command that does the same (an edit is a short Python script; an lsp call is the helper's own
// command line, which is what our tool runs). The others have no language-server tool: lsp keeps its name. Pure.
import type { TrajectoryMessage } from '../../contracts/rollout.ts';
import { LSP_CLIENT } from '../agent/lspTool.ts';

export type ToolCall = NonNullable<TrajectoryMessage['tool_calls']>[number];
export type Args = Record<string, unknown>;

export function argsOf(c: ToolCall): Args {
  try {
    const v: unknown = JSON.parse(c.function.arguments);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Args) : {};
  } catch {
    return {};
  }
}

export const shq = (s: unknown) => `'${String(s).replace(/'/g, `'\\''`)}'`;
const py = (v: unknown) => JSON.stringify(v ?? ''); // a JSON string is a valid Python string literal
export const SUBMIT_COMMAND = 'echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git add -A && git diff --cached';

/** The shell command that does what the call did (mini-swe-agent's only action). */
export function asShell(c: ToolCall): string {
  const a = argsOf(c);
  const path = String(a.path ?? '/testbed');
  switch (c.function.name) {
    case 'bash':
      return String(a.command ?? '');
    case 'submit':
      return SUBMIT_COMMAND;
    case 'lsp':
      return `python3 ${LSP_CLIENT} ${shq(JSON.stringify(a))}`;
    case 'search':
      return a.kind === 'filename'
        ? `find ${shq(path)} -name ${shq(a.search_term)}`
        : `grep -rn -F -- ${shq(a.search_term)} ${shq(path)}`;
    case 'file_editor': {
      const range = Array.isArray(a.view_range) ? (a.view_range as number[]) : undefined;
      if (a.command === 'view')
        return range
          ? `nl -ba ${shq(path)} | sed -n '${range[0]},${range[1] === -1 ? '$' : range[1]}p'`
          : `nl -ba ${shq(path)}`;
      if (a.command === 'create')
        return `cat > ${shq(path)} <<'SWE_FORGE_EOF'\n${String(a.file_text ?? '')}\nSWE_FORGE_EOF`;
      const body =
        a.command === 'str_replace'
          ? `old, new = ${py(a.old_str)}, ${py(a.new_str)}\nassert s.count(old) == 1, 'old_str must occur exactly once'\ns = s.replace(old, new, 1)`
          : `lines = s.split('\\n')\nlines[${Number(a.insert_line ?? 0)}:${Number(a.insert_line ?? 0)}] = ${py(a.new_str)}.split('\\n')\ns = '\\n'.join(lines)`;
      if (a.command !== 'str_replace' && a.command !== 'insert') return `git checkout -- ${shq(path)}  # ${a.command}`;
      return `python3 - <<'SWE_FORGE_EOF'\nimport pathlib\np = pathlib.Path(${py(path)})\ns = p.read_text()\n${body}\np.write_text(s)\nSWE_FORGE_EOF`;
    }
    default:
      return `# ${c.function.name} ${c.function.arguments}`;
  }
}

/** SWE-agent's function name and arguments for one of our calls. */
export function asSweAgentCall(c: ToolCall): { name: string; args: Args } {
  const a = argsOf(c);
  if (c.function.name === 'file_editor') return { name: 'str_replace_editor', args: a };
  if (c.function.name === 'search')
    return a.kind === 'filename'
      ? { name: 'find_file', args: { file_name: a.search_term, dir: a.path ?? '/testbed' } }
      : { name: 'search_dir', args: { search_term: a.search_term, dir: a.path ?? '/testbed' } };
  return { name: c.function.name, args: a };
}

/** SWE-agent's action string: the command line its tool parser would have produced. */
export function sweAgentAction(c: ToolCall): string {
  const { name, args } = asSweAgentCall(c);
  if (name === 'bash') return String(args.command ?? '');
  if (name === 'submit') return 'submit';
  const { command, path, ...rest } = args;
  const head = [name, command, path].filter((x) => x !== undefined).map(String);
  const flags = Object.entries(rest).map(([k, v]) => `--${k} ${Array.isArray(v) ? v.join(' ') : shq(v)}`);
  return [...head.map((h, i) => (i === 0 ? h : shq(h))), ...flags].join(' ');
}

/** The inverse of asSweAgentCall / OpenHands names: a foreign call as one of ours. */
export function ourCall(name: string, args: Args): { name: string; args: Args } {
  switch (name) {
    case 'str_replace_editor':
    case 'edit':
      return { name: 'file_editor', args };
    case 'execute_bash':
    case 'bash':
      return { name: 'bash', args: { command: args.command ?? args.cmd ?? '' } };
    case 'find_file':
      return { name: 'search', args: { search_term: args.file_name, path: args.dir ?? '/testbed', kind: 'filename' } };
    case 'search_dir':
    case 'search_file':
      return { name: 'search', args: { search_term: args.search_term, path: args.dir ?? args.file ?? '/testbed' } };
    case 'submit':
    case 'finish':
      return { name: 'submit', args: {} };
    default:
      return { name: 'bash', args: { command: `${name} ${JSON.stringify(args)}` } };
  }
}

/** `[exit code N]` is how our observations carry a failing status (toolbox.ts). */
export function splitExit(content: string): { output: string; exitCode: number } {
  const m = /\n?\[exit code (-?\d+)\]\s*$/.exec(content);
  return m ? { output: content.slice(0, m.index), exitCode: Number(m[1]) } : { output: content, exitCode: 0 };
}
