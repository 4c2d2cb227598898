// The `lsp` tool: one exec of the helper baked into the base image (infra/lsp/client.py), which talks to a
// jedi-language-server daemon it starts in the sandbox at the first call and finds again at later ones. A call the
// model got wrong (a missing argument, a symbol not on the line) is an observation; so is a sandbox whose image
// has no helper (an image not built from our base).
import type { ToolOutcome } from './fileEditorTool.ts';
import { shellQuote } from './fileEditorTool.ts';
import type { Environment } from './protocols.ts';

export const LSP_CLIENT = '/opt/swe-forge/lsp/client.py';

const AT_SYMBOL = ['definition', 'type_definition', 'hover', 'references', 'call_hierarchy'] as const;
const BY_PATH = ['document_symbols', 'diagnostics'] as const;

export interface LspRequest {
  command: string;
  path?: string;
  line?: number;
  symbol?: string;
  query?: string;
  direction?: string;
}

/** How the call found the language server: running, started afresh, or started again after it had died. */
export type LspServerState = 'found' | 'started' | 'restarted';

/** The request to send, or the problem with the arguments (types and enums are checked by checkArguments). */
export function lspRequest(args: Record<string, unknown>): LspRequest | { problem: string } {
  const command = args.command as string;
  const need = (AT_SYMBOL as readonly string[]).includes(command)
    ? ['path', 'line', 'symbol']
    : (BY_PATH as readonly string[]).includes(command)
      ? ['path']
      : ['query'];
  const missing = need.filter((k) => args[k] === undefined || args[k] === null || args[k] === '');
  if (missing.length) return { problem: `lsp ${command} needs ${missing.map((k) => `"${k}"`).join(', ')}` };
  if (typeof args.line === 'number' && args.line < 1) return { problem: 'lsp: "line" is 1-indexed (>= 1)' };
  const req: LspRequest = { command };
  for (const k of [...need, ...(command === 'call_hierarchy' ? ['direction'] : [])] as (keyof LspRequest)[])
    if (args[k] !== undefined) Object.assign(req, { [k]: args[k] });
  return req;
}

interface LspReply {
  ok: boolean;
  text?: string;
  error?: string;
  server?: string;
  ms?: number;
}

/** The observation for the helper's answer; the server line appears when the call (re)started the server. */
export function formatLspReply(reply: LspReply): { observation: string; error?: string } {
  const note =
    reply.server === 'started'
      ? `[lsp: language server started in this sandbox (${reply.ms ?? '?'} ms, indexing included)]\n`
      : reply.server === 'restarted'
        ? `[lsp: the language server was not running (killed, or the sandbox was resumed); restarted (${reply.ms ?? '?'} ms)]\n`
        : '';
  if (reply.ok) return { observation: note + (reply.text ?? '') };
  const error = reply.error ?? 'lsp failed';
  return { observation: `${note}Error: ${error}`, error };
}

/** The last line of the helper's stdout that parses as its JSON answer. */
export function parseLspOutput(output: string): LspReply | undefined {
  const lines = output.trim().split('\n').reverse();
  for (const line of lines) {
    try {
      const v = JSON.parse(line) as LspReply;
      if (v && typeof v === 'object' && typeof v.ok === 'boolean') return v;
    } catch {
      // not the answer line
    }
  }
  return undefined;
}

export function createLspTool(env: Environment, execOpts: { timeoutSec: number; outputCapBytes: number }) {
  return async function lsp(args: Record<string, unknown>): Promise<ToolOutcome> {
    const req = lspRequest(args);
    if ('problem' in req) return { observation: `Error: ${req.problem}`, error: req.problem };
    const cmd = `test -f ${LSP_CLIENT} || { echo 'no lsp helper in this image' >&2; exit 127; }; exec python3 ${LSP_CLIENT} ${shellQuote(JSON.stringify(req))}`;
    // The helper's answer is capped by the daemon's result limits; the toolbox caps the observation as well.
    const r = await env.exec(cmd, { ...execOpts, outputCapBytes: Math.max(execOpts.outputCapBytes, 256 * 1024) });
    if (r.timedOut) {
      const error = `lsp ${req.command} timed out after ${execOpts.timeoutSec}s`;
      return { observation: `Error: ${error}`, error };
    }
    const reply = parseLspOutput(r.output);
    if (!reply) {
      const error =
        r.exitCode === 127
          ? 'the lsp tool is not available in this sandbox (its image was not built from the swe-forge base image)'
          : `lsp failed (exit code ${r.exitCode}): ${r.output.trim().slice(-500)}`;
      return { observation: `Error: ${error}`, error };
    }
    const server = ['found', 'started', 'restarted'].includes(reply.server ?? '')
      ? (reply.server as LspServerState)
      : undefined;
    return { ...formatLspReply(reply), lsp: server };
  };
}
