// The rollout activity driven directly, as a rollout worker runs it (runRollout under Temporal's activity
// context, real Docker and Postgres), against a model endpoint named by URL; and what its trajectory holds.
import type {
  AgentConfig,
  RolloutInput,
  RolloutSummary,
  SandboxConfig,
  TrajectoryMessage,
} from '../../../contracts/rollout.ts';
import { readFileSync } from 'node:fs';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createAgentActivities } from '../../../activities/agent/activity.ts';
import type { ActivityDeps } from '../../../activities/deps.ts';
import { ModelEndpointSchema } from '../../../config/schema.ts';

export interface RolloutDriver {
  input(baseUrl: string, sample: number, taskId?: string): RolloutInput;
  /** One attempt (1-based; the last one masks or scores instead of failing); modelRetries shortens outages. */
  rollout(i: RolloutInput, attempt?: number, modelRetries?: number): Promise<RolloutSummary>;
}

export function rolloutDriver(o: {
  deps: ActivityDeps;
  runId: string;
  agent: AgentConfig;
  sandbox: SandboxConfig;
}): RolloutDriver {
  return {
    input(baseUrl, sample, taskId = 'mini__textkit-3') {
      const model = ModelEndpointSchema.parse({
        name: 'fake-model',
        kind: 'openai',
        baseUrl,
        toolFormat: 'native',
        maxTokens: 64,
      });
      return {
        runId: o.runId,
        stage: 'distill',
        taskId,
        sample,
        model,
        agent: o.agent,
        sandbox: o.sandbox,
        alpha: 0.5,
        seed: 0,
      };
    },
    rollout(i, attempt = 1, modelRetries) {
      // Failures are what the tests assert on: keep the SDK's failure logging quiet.
      const env = new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('ERROR', () => undefined) });
      return env.run(createAgentActivities(o.deps, { modelRetries }).runRollout, i);
    },
  };
}

export const trajectory = (s: RolloutSummary): TrajectoryMessage[] =>
  readFileSync(s.trajectoryPath!, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TrajectoryMessage);

/** Tool results and format reminders: what the environment answered, in order. */
export const observations = (s: RolloutSummary) =>
  trajectory(s).filter((m) => m.role === 'tool' || (m.role === 'user' && m.meta?.error));

export const text = (m?: TrajectoryMessage) =>
  typeof m?.content === 'string' ? m.content : JSON.stringify(m?.content ?? '');
