// The `llm` verifier backend: any OpenAI-compatible endpoint serving a verifier model.
//  orm (SWE-Gym): P(YES) from the next-token log-probabilities, p = P(YES) / (P(YES) + P(NO)) over the top
//    alternatives, read from /v1/completions (the text ends where " YES" / " NO" continue it) or from chat
//    completions (`logprobs` + `top_logprobs`) for endpoints that only serve chat.
//  swe_world (SWE-Master): the model writes a simulated test report; the score is its final `REWARD:` value,
//    averaged over `samples` reports.
import OpenAI from 'openai';
import type { ModelEndpoint } from '../../config/schema.ts';
import { InputError } from '../../core/errors.ts';
import { parseReport } from '../../core/sweWorld.ts';
import { gradeRecord, type TestLists } from '../../core/testStatuses.ts';
import { parseReward } from '../../core/verifierPrompt.ts';
import { classifyModelError, resolveApiKey } from '../agent/modelClient.ts';

export type LlmApi = 'completions' | 'chat';

export interface LlmVerifierOptions {
  endpoint: ModelEndpoint;
  kind: 'orm' | 'swe_world';
  api?: LlmApi;
  /** swe_world: reports per candidate (sampled at the endpoint's temperature when > 1, else greedy). */
  samples?: number;
  topLogprobs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface LlmScore {
  score: number;
  /** True when the endpoint gave no usable verdict (neither YES nor NO in the top log-probs, no REWARD line). */
  undecided: boolean;
}

/** p(YES) from one position's top alternatives; tokens match after trimming and upper-casing (" YES", "Yes"). */
export function pYesFromTopLogprobs(top: readonly { token: string; logprob: number }[]): number | null {
  let yes = 0;
  let no = 0;
  for (const t of top) {
    const w = t.token.trim().toUpperCase();
    if (w === 'YES') yes += Math.exp(t.logprob);
    else if (w === 'NO') no += Math.exp(t.logprob);
  }
  return yes + no > 0 ? yes / (yes + no) : null;
}

export function createLlmVerifier(o: LlmVerifierOptions) {
  const { endpoint } = o;
  if (!endpoint.baseUrl)
    throw new InputError(`verifier.baseUrl: the llm backend needs the endpoint's URL (model ${endpoint.name})`);
  const client = new OpenAI({
    baseURL: endpoint.baseUrl,
    apiKey: resolveApiKey(endpoint, o.env ?? process.env),
    maxRetries: 3,
  });
  const api = o.api ?? 'completions';
  const top = o.topLogprobs ?? 20;

  async function orm(text: string, signal?: AbortSignal): Promise<number | null> {
    if (api === 'completions') {
      const res = await client.completions.create(
        { model: endpoint.name, prompt: text, max_tokens: 1, temperature: 0, logprobs: top },
        { signal },
      );
      const first = res.choices[0]?.logprobs?.top_logprobs?.[0] ?? {};
      return pYesFromTopLogprobs(Object.entries(first).map(([token, logprob]) => ({ token, logprob })));
    }
    const res = await client.chat.completions.create(
      {
        model: endpoint.name,
        messages: [{ role: 'user', content: text }],
        max_tokens: 1,
        temperature: 0,
        logprobs: true,
        top_logprobs: top,
      },
      { signal },
    );
    return pYesFromTopLogprobs(res.choices[0]?.logprobs?.content?.[0]?.top_logprobs ?? []);
  }

  async function report(prompt: string, signal?: AbortSignal): Promise<string> {
    const temperature = (o.samples ?? 1) > 1 ? endpoint.temperature : 0;
    if (api === 'completions') {
      const res = await client.completions.create(
        { model: endpoint.name, prompt, max_tokens: endpoint.maxTokens, temperature },
        { signal },
      );
      return res.choices[0]?.text ?? '';
    }
    const res = await client.chat.completions.create(
      {
        model: endpoint.name,
        messages: [{ role: 'user', content: prompt }],
        max_tokens: endpoint.maxTokens,
        temperature,
      },
      { signal },
    );
    return res.choices[0]?.message?.content ?? '';
  }

  return {
    /** One candidate's score; `text` is the ORM text or the SWE-World prompt, matching `kind`. */
    /**
     * swe_world with `lists`: the written report's statuses are graded by the harness's grading function (a test
     * it does not mention counts as failed); without them, its final REWARD line (reports of older prompts).
     */
    async score(text: string, signal?: AbortSignal, lists?: TestLists): Promise<LlmScore> {
      try {
        if (o.kind === 'orm') {
          const p = await orm(text, signal);
          return p === null ? { score: 0.5, undecided: true } : { score: p, undecided: false };
        }
        const rewards: number[] = [];
        for (let i = 0; i < (o.samples ?? 1); i++) {
          const written = await report(text, signal);
          const r = lists ? (gradeRecord(lists, parseReport(lists, written)).resolved ? 1 : 0) : parseReward(written);
          if (r !== null) rewards.push(r);
        }
        if (!rewards.length) return { score: 0.5, undecided: true };
        return { score: rewards.reduce((s, r) => s + r, 0) / rewards.length, undecided: false };
      } catch (err) {
        throw classifyModelError(err, endpoint.name);
      }
    },
  };
}
