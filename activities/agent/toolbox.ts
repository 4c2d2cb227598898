// Dispatching a parsed tool call to bash / file_editor / search / lsp / submit. Each action is one independent exec
// in the rollout's container. Anything the model gets wrong (unknown tool, missing fields, a refused history
// command, a command too long for exec) is an observation; only InfraError from the Environment escapes.
import { capText } from '../../core/outputCap.ts';
import { checkHistoryAccess, refusalObservation } from '../../core/historyGuard.ts';
import type { ToolCall } from '../../core/toolCalls.ts';
import { createFileEditor, shellQuote, type ToolOutcome } from './fileEditorTool.ts';
import type { Environment } from './protocols.ts';
import { createLspTool } from './lspTool.ts';
import { checkArguments, isToolName, TOOL_NAMES, type ToolName } from '../trajectory/toolSpecs.ts';

export type { ToolOutcome } from './fileEditorTool.ts';

/** Linux caps one exec argument or env string at 128 KiB; a longer command would fail in the engine. */
export const MAX_COMMAND_BYTES = 64 * 1024;
const MAX_SEARCH_LINES = 100;

export interface ToolboxOptions {
  commandTimeoutSec: number;
  outputCapBytes: number;
  /** The tools this rollout was given (default: the four); a call to any other is an unknown tool. */
  tools?: readonly ToolName[];
}

const fail = (error: string): ToolOutcome => ({ observation: `Error: ${error}`, error });

export function formatExecObservation(
  r: { output: string; exitCode: number; timedOut: boolean },
  timeoutSec: number,
): string {
  const parts = [r.output.trimEnd() || '(no output)'];
  if (r.timedOut) parts.push(`[the command timed out after ${timeoutSec}s and was killed]`);
  else if (r.exitCode !== 0) parts.push(`[exit code ${r.exitCode}]`);
  return parts.join('\n');
}

export function createToolbox(env: Environment, o: ToolboxOptions) {
  const execOpts = { timeoutSec: o.commandTimeoutSec, outputCapBytes: o.outputCapBytes };
  const fileEditor = createFileEditor(env, execOpts);
  const lsp = createLspTool(env, execOpts);
  const offered = o.tools ?? TOOL_NAMES;
  const counters = { historyAttempts: 0 };

  async function bash(args: Record<string, unknown>, timeoutSec: number): Promise<ToolOutcome> {
    const command = args.command as string;
    if (!command.trim()) return fail('bash: "command" is empty');
    const bytes = Buffer.byteLength(command, 'utf8');
    if (bytes > MAX_COMMAND_BYTES) {
      return fail(
        `bash: the command is ${bytes} bytes, over the ${MAX_COMMAND_BYTES}-byte limit; write long content with file_editor create`,
      );
    }
    const verdict = checkHistoryAccess(command);
    if (!verdict.allowed) {
      counters.historyAttempts++;
      return { observation: refusalObservation(verdict.rule!), refused: verdict.rule };
    }
    const r = await env.exec(command, { ...execOpts, timeoutSec });
    return { observation: formatExecObservation(r, timeoutSec) };
  }

  async function search(args: Record<string, unknown>): Promise<ToolOutcome> {
    const term = args.search_term as string;
    if (!term) return fail('search: "search_term" is empty');
    const path = typeof args.path === 'string' && args.path ? args.path : env.workdir;
    const byName = args.kind === 'filename';
    const cmd = byName
      ? `find ${shellQuote(path)} -name .git -prune -o -type f -name ${shellQuote(term)} -print | sort | head -n ${MAX_SEARCH_LINES + 1}`
      : `grep -rnIF --exclude-dir=.git -e ${shellQuote(term)} -- ${shellQuote(path)} | head -n ${MAX_SEARCH_LINES + 1}`;
    const r = await env.exec(cmd, execOpts);
    const lines = r.output.split('\n').filter(Boolean);
    if (r.timedOut) return { observation: formatExecObservation(r, o.commandTimeoutSec) };
    if (lines.length === 0)
      return { observation: `No ${byName ? 'files named' : 'matches for'} ${JSON.stringify(term)} in ${path}.` };
    const more = lines.length > MAX_SEARCH_LINES ? `\n[more than ${MAX_SEARCH_LINES} results; narrow the search]` : '';
    const what = byName ? 'Files matching' : 'Matches for';
    return {
      observation: `${what} ${JSON.stringify(term)} in ${path}:\n${lines.slice(0, MAX_SEARCH_LINES).join('\n')}${more}`,
    };
  }

  /** timeoutSec: the command timeout, lowered by the loop when less wall time than that is left. */
  async function run(call: ToolCall, timeoutSec = o.commandTimeoutSec): Promise<ToolOutcome> {
    if (!isToolName(call.name) || !offered.includes(call.name)) {
      return {
        ...fail(`unknown tool ${JSON.stringify(call.name)}; the tools are ${offered.join(', ')}`),
        malformed: true,
      };
    }
    const problem = checkArguments(call.name, call.arguments);
    if (problem) return { ...fail(problem), malformed: true };
    let out: ToolOutcome;
    if (call.name === 'bash') out = await bash(call.arguments, timeoutSec);
    else if (call.name === 'file_editor') out = await fileEditor(call.arguments);
    else if (call.name === 'search') out = await search(call.arguments);
    else if (call.name === 'lsp') out = await lsp(call.arguments);
    else out = { observation: 'Submitted. The diff of the working tree is your answer.', submitted: true };
    // Tool output the editor or search produced in memory is capped like command output.
    return { ...out, observation: capText(out.observation, o.outputCapBytes).text };
  }

  return { run, counters };
}
