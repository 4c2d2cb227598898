// Which endpoint a rollout samples from. `openai` and `trainer` models arrive with baseUrl resolved; `scripted`
// models are served by the scripted policy server (a TEST STAND-IN, not a model), started in this process on
// first use and reached over real HTTP like any endpoint.
import { hash32 } from '../../infra/scripted-policy/rng.ts';
import {
  SCRIPTED_HEADER,
  startScriptedPolicyServer,
  type ScriptedPolicyServer,
} from '../../infra/scripted-policy/server.ts';
import type { ScriptedTask } from '../../infra/scripted-policy/policy.ts';
import type { RolloutInput } from '../../contracts/rollout.ts';
import { createModelClient } from './modelClient.ts';
import { ModelConfigError, type Model } from './protocols.ts';

export interface ModelResolverOptions {
  getTask: (id: string) => Promise<ScriptedTask | undefined>;
  env?: NodeJS.ProcessEnv;
  maxRetries?: number;
}

/** A per-sample seed for endpoints that honour `seed`: Best-of-N samples differ, a retried sample repeats. */
export const sampleSeed = (i: Pick<RolloutInput, 'seed' | 'taskId' | 'sample'>) =>
  hash32(`${i.seed}|${i.taskId}|${i.sample}`) & 0x7fffffff;

export function createModelResolver(o: ModelResolverOptions) {
  let scripted: Promise<ScriptedPolicyServer> | undefined;
  const scriptedServer = () => {
    scripted ??= startScriptedPolicyServer({ getTask: o.getTask }).catch((err: unknown) => {
      scripted = undefined;
      throw err;
    });
    return scripted;
  };

  return {
    async resolve(input: RolloutInput): Promise<Model> {
      const m = input.model;
      if (m.kind === 'scripted') {
        const episode = { task: input.taskId, seed: input.seed, sample: input.sample };
        const server = await scriptedServer();
        return createModelClient({
          endpoint: m,
          baseUrl: server.baseUrl,
          env: o.env,
          maxRetries: o.maxRetries,
          headers: { [SCRIPTED_HEADER]: JSON.stringify(episode) },
        });
      }
      if (!m.baseUrl) {
        throw new ModelConfigError(
          `model ${m.name} (kind ${m.kind}) has no baseUrl: set models.*.baseUrl, or let the pipeline resolve it`,
        );
      }
      return createModelClient({
        endpoint: m,
        baseUrl: m.baseUrl,
        env: o.env,
        maxRetries: o.maxRetries,
        seed: sampleSeed(input),
        // Policy servers the pipeline runs report token ids and log-probs (docs/training.md, serving contract).
        sampledTokens: m.kind === 'trainer',
      });
    },
    async close(): Promise<void> {
      const s = await scripted?.catch(() => undefined);
      await s?.close();
      scripted = undefined;
    },
  };
}

export type ModelResolver = ReturnType<typeof createModelResolver>;
