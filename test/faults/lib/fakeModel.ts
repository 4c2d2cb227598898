// A FAKE model endpoint (not a model): a tiny OpenAI-compatible HTTP server that plays a fixed script per path,
// `http://127.0.0.1:<port>/<script>/v1`, so a scenario can make the endpoint misbehave on purpose (500s, empty or
// huge replies, broken tool calls) or hold a rollout at a given turn. The turn is the number of assistant
// messages in the request, so a script is stateless across retries and processes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeReply {
  status?: number;
  content?: string;
  toolCalls?: { name: string; arguments: string }[];
}

export interface FakeRequest {
  script: string;
  turn: number;
  authorization?: string;
  messages: { role: string; content?: string | null; name?: string }[];
}

/** `n` counts this script's requests so far (1-based), `turn` the assistant messages in this one. */
export type Script = (r: FakeRequest & { n: number }) => FakeReply | Promise<FakeReply>;

export interface FakeModel {
  baseUrl(script: string): string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

export const call = (name: string, args: object | string): FakeReply => ({
  toolCalls: [{ name, arguments: typeof args === 'string' ? args : JSON.stringify(args) }],
});
export const bash = (command: string) => call('bash', { command });
export const submit = () => call('submit', {});

function completion(r: FakeReply, turn: number) {
  const toolCalls = r.toolCalls?.map((c, i) => ({ id: `call_${turn}_${i}`, type: 'function', function: c }));
  return {
    id: `fake-${turn}`,
    object: 'chat.completion',
    created: 0,
    model: 'fake',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: r.content ?? null, tool_calls: toolCalls },
        finish_reason: toolCalls ? 'tool_calls' : 'stop',
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: Math.ceil((r.content?.length ?? 0) / 4) + 5, total_tokens: 0 },
  };
}

export async function startFakeModel(scripts: Record<string, Script>): Promise<FakeModel> {
  const requests: FakeRequest[] = [];
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const script = (req.url ?? '').split('/')[1] ?? '';
        const play = scripts[script];
        if (!play || !req.url?.endsWith('/chat/completions')) {
          res
            .writeHead(404, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: { message: `no script ${script}` } }));
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: FakeRequest['messages'] };
        const turn = body.messages.filter((m) => m.role === 'assistant').length;
        const r: FakeRequest = { script, turn, authorization: req.headers.authorization, messages: body.messages };
        requests.push(r);
        const n = (counts.get(script) ?? 0) + 1;
        counts.set(script, n);
        const reply = await play({ ...r, n });
        const status = reply.status ?? 200;
        // retry-after-ms keeps the client's backoff short: the scenario is about recovering, not about waiting.
        res.writeHead(status, { 'content-type': 'application/json', 'retry-after-ms': '50' });
        res.end(
          JSON.stringify(
            status === 200
              ? completion(reply, turn)
              : { error: { message: reply.content ?? `fake ${status}`, type: 'server_error' } },
          ),
        );
      })().catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: (script) => `http://127.0.0.1:${port}/${script}/v1`,
    requests,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
