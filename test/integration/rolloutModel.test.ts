// Model endpoint failures: the client retries 5xx and refused connections, classifies what is left, and the
// rollout activity turns a persistent outage into a retryable failure, then (last attempt) a model_error row
// masked as policy_unavailable (an outage is not the model's failure). Real HTTP servers, Docker and Postgres.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentActivities } from '../../activities/agent/activity.ts';
import { createModelClient } from '../../activities/agent/modelClient.ts';
import { ContextLengthError, ModelConfigError, ModelUnavailableError } from '../../activities/agent/protocols.ts';
import { freePort } from '../../infra/net.ts';
import {
  containersOfRun,
  mockActivity,
  rolloutInput,
  rolloutRows,
  startRolloutFixture,
  type RolloutFixture,
} from './rolloutFixture.ts';

type Handler = (req: IncomingMessage, n: number) => { status: number; body: unknown };
async function endpoint(
  handler: Handler,
): Promise<{ url: string; requests: IncomingMessage[]; close(): Promise<void> }> {
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    req.resume();
    req.on('end', () => {
      const { status, body } = handler(req, requests.length);
      res.writeHead(status, { 'content-type': 'application/json', 'retry-after-ms': '10' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

const ok = {
  id: 'x',
  object: 'chat.completion',
  created: 0,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
};
const error = (message: string) => ({ error: { message, type: 'error' } });
const endpointCfg = { name: 'm', toolFormat: 'native' as const, temperature: 1, maxTokens: 64 };
const query = (url: string, over: object = {}) =>
  createModelClient({ endpoint: endpointCfg, baseUrl: url, maxRetries: 2, ...over }).query(
    [{ role: 'user', content: 'x' }],
    {},
  );

describe('model client', () => {
  it('retries 5xx with backoff and succeeds when the endpoint recovers', async () => {
    const ep = await endpoint((_req, n) =>
      n <= 2 ? { status: 503, body: error('loading') } : { status: 200, body: ok },
    );
    try {
      expect((await query(ep.url)).content).toBe('hi');
      expect(ep.requests).toHaveLength(3);
    } finally {
      await ep.close();
    }
  });

  it('gives up on a persistent 500 with ModelUnavailableError after its retries', async () => {
    const ep = await endpoint(() => ({ status: 500, body: error('boom') }));
    try {
      await expect(query(ep.url)).rejects.toBeInstanceOf(ModelUnavailableError);
      expect(ep.requests).toHaveLength(3);
    } finally {
      await ep.close();
    }
  });

  it('classifies a refused connection as unavailable', async () => {
    const port = await freePort();
    await expect(query(`http://127.0.0.1:${port}/v1`, { maxRetries: 1 })).rejects.toBeInstanceOf(ModelUnavailableError);
  });

  it('fails at once on 401 and classifies context-length 400s', async () => {
    const ep = await endpoint((req) =>
      req.headers.authorization === 'Bearer sk-test'
        ? { status: 400, body: error("This model's maximum context length is 4096 tokens.") }
        : { status: 401, body: error('bad key') },
    );
    try {
      await expect(query(ep.url)).rejects.toBeInstanceOf(ModelConfigError);
      expect(ep.requests).toHaveLength(1);
      await expect(
        query(ep.url, { endpoint: { ...endpointCfg, apiKeyEnv: 'SF_TEST_KEY' }, env: { SF_TEST_KEY: 'sk-test' } }),
      ).rejects.toBeInstanceOf(ContextLengthError);
    } finally {
      await ep.close();
    }
  });

  it('names the missing API key variable', () => {
    expect(() =>
      createModelClient({ endpoint: { ...endpointCfg, apiKeyEnv: 'NOPE_KEY' }, baseUrl: 'http://x/v1', env: {} }),
    ).toThrow(/NOPE_KEY/);
  });
});

describe('rollout activity with a model endpoint that stays down', () => {
  let fx: RolloutFixture;
  let ep: Awaited<ReturnType<typeof endpoint>>;
  beforeAll(async () => {
    fx = await startRolloutFixture({ prefix: 'rollout-model' });
    ep = await endpoint(() => ({ status: 502, body: error('bad gateway') }));
  });
  afterAll(async () => {
    await ep?.close();
    await fx?.stop();
  });

  it('fails retryably before the last attempt, then ends as model_error masked policy_unavailable', async () => {
    const activities = createAgentActivities(fx.deps, { modelRetries: 1 });
    const base = rolloutInput({ runId: 'it-model-down', taskId: 'mini__textkit-3' });
    const input = { ...base, model: { ...base.model, kind: 'openai' as const, name: 'down', baseUrl: ep.url } };
    const first = mockActivity(1).run(activities.runRollout, input);
    await expect(first).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(first).rejects.toMatchObject({ type: 'ModelUnavailable', nonRetryable: false });
    expect(await rolloutRows(fx.deps, 'it-model-down')).toHaveLength(0);

    const last = await mockActivity(input.sandbox.infraMaxAttempts).run(activities.runRollout, input);
    expect(last).toMatchObject({ exitReason: 'model_error', reward: null, masked: true, outcome: null });
    expect(last).toMatchObject({ maskReason: expect.stringMatching(/^policy_unavailable: .*HTTP 502/) });
    const rows = await rolloutRows(fx.deps, 'it-model-down');
    expect(rows).toHaveLength(1);
    expect(rows[0].error).toMatch(/HTTP 502/);
    expect(await containersOfRun(fx.docker, 'it-model-down')).toEqual([]);
  });

  it('fails non-retryably when the model has no baseUrl or the task is unknown', async () => {
    const activities = createAgentActivities(fx.deps);
    const base = rolloutInput({ runId: 'it-config', taskId: 'mini__textkit-3' });
    const noUrl = { ...base, model: { ...base.model, kind: 'openai' as const, name: 'nowhere' } };
    await expect(mockActivity().run(activities.runRollout, noUrl)).rejects.toMatchObject({
      type: 'ConfigError',
      nonRetryable: true,
    });
    const unknown = { ...base, taskId: 'mini__nope-1' };
    await expect(mockActivity().run(activities.runRollout, unknown)).rejects.toMatchObject({
      type: 'InputError',
      nonRetryable: true,
    });
  });
});
