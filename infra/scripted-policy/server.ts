// The scripted policy server: an OpenAI-compatible HTTP server (POST /v1/chat/completions, GET /v1/models) that
// tests and the demo use IN PLACE OF an LLM. It is a TEST STAND-IN, not a model: it replays plans made from the
// task rows (policy.ts). The rollout worker starts one in-process on first use (127.0.0.1, a free port) and
// talks to it over real HTTP like any endpoint. Which episode to play comes from the request header
// `x-swe-forge-scripted: {"task": ID, "seed": N, "sample": K}`; the turn is the number of assistant messages
// already in the conversation, so the server keeps no state.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { planFor, stepAt, type ScriptedTask } from './policy.ts';
import { renderStep } from './render.ts';

export const SCRIPTED_HEADER = 'x-swe-forge-scripted';
export const STAND_IN_OWNER = 'swe-forge-test-stand-in';
const MAX_BODY_BYTES = 256 * 1024 * 1024;

export interface ScriptedEpisode {
  task: string;
  seed: number;
  sample: number;
}

export interface ScriptedPolicyServer {
  /** OpenAI base URL, e.g. http://127.0.0.1:41234/v1 */
  baseUrl: string;
  close(): Promise<void>;
}

export interface StartScriptedPolicyOptions {
  /** Looks up a task row (the task store in a worker, a JSONL file in tools); undefined when unknown. */
  getTask: (instanceId: string) => Promise<ScriptedTask | undefined>;
  host?: string;
  port?: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) reject(new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function parseEpisodeHeader(value: string | string[] | undefined): ScriptedEpisode {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw)
    throw new HttpError(400, `the scripted policy server (a test stand-in) needs the ${SCRIPTED_HEADER} header`);
  let v: Partial<ScriptedEpisode>;
  try {
    v = JSON.parse(raw) as Partial<ScriptedEpisode>;
  } catch {
    throw new HttpError(400, `${SCRIPTED_HEADER} is not JSON`);
  }
  if (typeof v.task !== 'string' || !Number.isInteger(v.seed) || !Number.isInteger(v.sample)) {
    throw new HttpError(400, `${SCRIPTED_HEADER} must be {"task": string, "seed": int, "sample": int}`);
  }
  return { task: v.task, seed: v.seed!, sample: v.sample! };
}

/** Whether the request offered the lsp tool: in its native `tools`, or in the text tool block of its system prompt. */
export function offersLsp(
  body: { messages?: { role?: string; content?: unknown }[]; tools?: unknown[] },
  format: string,
) {
  if (format === 'native')
    return (body.tools ?? []).some((t) => (t as { function?: { name?: unknown } }).function?.name === 'lsp');
  const system = body.messages?.find((m) => m.role === 'system')?.content;
  return typeof system === 'string' && system.includes('"name":"lsp"');
}

async function completion(req: IncomingMessage, getTask: StartScriptedPolicyOptions['getTask']): Promise<unknown> {
  const episode = parseEpisodeHeader(req.headers[SCRIPTED_HEADER]);
  let body: { model?: string; messages?: { role?: string; content?: unknown }[]; tools?: unknown[]; stream?: boolean };
  try {
    body = JSON.parse(await readBody(req)) as typeof body;
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, 'request body is not JSON');
  }
  if (!Array.isArray(body.messages)) throw new HttpError(400, '"messages" must be an array');
  if (body.stream) throw new HttpError(400, 'the scripted policy server does not stream');
  const task = await getTask(episode.task);
  if (!task) throw new HttpError(404, `the scripted policy server knows no task ${episode.task}`);
  const turn = body.messages.filter((m) => m.role === 'assistant').length;
  const format = Array.isArray(body.tools) && body.tools.length ? 'native' : 'text';
  const message = renderStep(
    stepAt(planFor(task, episode.seed, episode.sample, '/testbed', { lsp: offersLsp(body, format) }), turn),
    format,
    turn,
  );
  const promptChars = body.messages.reduce((n, m) => n + (typeof m.content === 'string' ? m.content.length : 0), 0);
  const replyChars = (message.content ?? '').length + JSON.stringify(message.tool_calls ?? []).length;
  const usage = { prompt_tokens: Math.ceil(promptChars / 4), completion_tokens: Math.ceil(replyChars / 4) };
  return {
    id: `chatcmpl-scripted-${episode.sample}-${turn}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model ?? 'scripted',
    system_fingerprint: STAND_IN_OWNER,
    choices: [{ index: 0, message, finish_reason: message.tool_calls ? 'tool_calls' : 'stop', logprobs: null }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

export function startScriptedPolicyServer(o: StartScriptedPolicyOptions): Promise<ScriptedPolicyServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const route =
      req.method === 'POST' && path === '/v1/chat/completions'
        ? completion(req, o.getTask)
        : req.method === 'GET' && path === '/v1/models'
          ? Promise.resolve({ object: 'list', data: [{ id: 'scripted', object: 'model', owned_by: STAND_IN_OWNER }] })
          : Promise.reject(new HttpError(404, `no route ${req.method} ${path}`));
    route.then(
      (value) => send(res, 200, value),
      (err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        send(res, status, { error: { message: (err as Error).message, type: 'scripted_policy_error', code: status } });
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => {
      // A worker's in-process stand-in must not keep the process alive on shutdown.
      server.unref();
      const { address, port } = server.address() as AddressInfo;
      resolve({
        baseUrl: `http://${address}:${port}/v1`,
        close: () =>
          new Promise((r) => {
            server.close(() => r());
            // Keep-alive sockets of clients would hold close() open.
            server.closeAllConnections();
          }),
      });
    });
  });
}
