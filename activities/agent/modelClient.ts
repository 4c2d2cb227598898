// The Model protocol over any OpenAI-compatible endpoint (vLLM, SGLang, hosted APIs, the trainer's `serve`, the
// scripted policy server), with the `openai` client. The client retries connection errors, 408/409/429 and 5xx
// with exponential backoff (honouring Retry-After); what still fails is classified here so the activity can
// decide: retry the activity, end the trajectory, or fail the run loudly.
import OpenAI from 'openai';
import type { ModelEndpoint } from '../../config/schema.ts';
import type { TrajectoryMessage } from '../../contracts/rollout.ts';
import {
  ContextLengthError,
  ModelConfigError,
  ModelRejectedError,
  ModelUnavailableError,
  type Model,
  type ModelReply,
} from './protocols.ts';
import { toolSpecsOf } from '../trajectory/toolSpecs.ts';
import { SAMPLED_TOKENS_REQUEST, sampledTokens } from './sampledTokens.ts';
import { toWireMessages } from '../trajectory/wire.ts';

export const DEFAULT_MODEL_RETRIES = 4;
const CONTEXT_ERROR =
  /context.length|maximum context|context_length_exceeded|too many tokens|prompt is too long|longer than the model/i;

export interface ModelClientOptions {
  endpoint: Pick<ModelEndpoint, 'name' | 'apiKeyEnv' | 'toolFormat' | 'temperature' | 'maxTokens'>;
  baseUrl: string;
  /** Where apiKeyEnv is looked up; the key never travels in a workflow payload. */
  env?: NodeJS.ProcessEnv;
  maxRetries?: number;
  headers?: Record<string, string>;
  /** Sent as the request seed (vLLM / SGLang honour it), so sampling is reproducible where supported. */
  seed?: number;
  /**
   * Ask for the sampled token ids and their log-probs (`logprobs: true`, vLLM's `return_token_ids: true`), for
   * policy endpoints GRPO trains from. Off for teachers: hosted APIs may reject the extra field.
   */
  sampledTokens?: boolean;
}

export function resolveApiKey(endpoint: Pick<ModelEndpoint, 'name' | 'apiKeyEnv'>, env: NodeJS.ProcessEnv): string {
  if (!endpoint.apiKeyEnv) return 'EMPTY';
  const key = env[endpoint.apiKeyEnv];
  if (!key) {
    throw new ModelConfigError(
      `model ${endpoint.name}: apiKeyEnv names ${endpoint.apiKeyEnv}, which is not set in the rollout worker's environment`,
    );
  }
  return key;
}

export function classifyModelError(err: unknown, name: string): Error {
  if (err instanceof OpenAI.APIUserAbortError) return err;
  if (err instanceof OpenAI.APIConnectionError)
    return new ModelUnavailableError(`model ${name} unreachable: ${err.message}`, { cause: err });
  if (err instanceof OpenAI.APIError) {
    const status = err.status ?? 0;
    const msg = `model ${name}: HTTP ${status}: ${err.message}`;
    if (status >= 500 || status === 429 || status === 408 || status === 409)
      return new ModelUnavailableError(msg, { cause: err });
    if (status === 401 || status === 403 || status === 404) return new ModelConfigError(msg, { cause: err });
    if (CONTEXT_ERROR.test(err.message)) return new ContextLengthError(msg, { cause: err });
    return new ModelRejectedError(msg, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}

export function createModelClient(o: ModelClientOptions): Model {
  const { endpoint } = o;
  const client = new OpenAI({
    baseURL: o.baseUrl,
    apiKey: resolveApiKey(endpoint, o.env ?? process.env),
    maxRetries: o.maxRetries ?? DEFAULT_MODEL_RETRIES,
    defaultHeaders: o.headers,
  });
  const native = endpoint.toolFormat === 'native';

  return {
    name: endpoint.name,
    toolFormat: endpoint.toolFormat,
    async query(messages: TrajectoryMessage[], q: { signal?: AbortSignal; timeoutMs?: number }): Promise<ModelReply> {
      // The wall-time deadline aborts the request instead of letting the client retry a timeout past it.
      const signals = [q.signal, q.timeoutMs !== undefined ? AbortSignal.timeout(Math.max(1, q.timeoutMs)) : undefined];
      const signal = AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
      let res: OpenAI.Chat.Completions.ChatCompletion;
      try {
        res = await client.chat.completions.create(
          {
            model: endpoint.name,
            messages: toWireMessages(messages, endpoint.toolFormat),
            temperature: endpoint.temperature,
            max_tokens: endpoint.maxTokens,
            ...(o.seed !== undefined ? { seed: o.seed } : {}),
            ...(o.sampledTokens ? SAMPLED_TOKENS_REQUEST : {}),
            ...(native
              ? {
                  // The tools this trajectory was given (its system message records them), as its rows render.
                  tools: toolSpecsOf(messages) as unknown as OpenAI.Chat.Completions.ChatCompletionTool[],
                  tool_choice: 'auto' as const,
                }
              : {}),
          },
          { signal },
        );
      } catch (err) {
        throw classifyModelError(err, endpoint.name);
      }
      const choice = res.choices?.[0];
      if (!choice) throw new ModelRejectedError(`model ${endpoint.name}: the reply has no choices`);
      const calls = (choice.message.tool_calls ?? []).filter((c) => c.type === 'function');
      return {
        content: choice.message.content ?? '',
        toolCalls: calls.length ? calls.map((c) => ({ id: c.id, type: c.type, function: c.function })) : undefined,
        usage: res.usage
          ? { promptTokens: res.usage.prompt_tokens, completionTokens: res.usage.completion_tokens }
          : null,
        finishReason: choice.finish_reason ?? undefined,
        model: typeof res.model === 'string' && res.model ? res.model : undefined,
        sampled: o.sampledTokens ? sampledTokens(choice) : undefined,
      };
    },
  };
}
