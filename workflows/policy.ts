// Which endpoint samples the policy's rollouts. An `openai` or `scripted` policy is used as configured; a
// `trainer` policy is served from a checkpoint by the gpu worker for as long as the rollouts need it.
import { CancellationScope } from '@temporalio/workflow';
import type { ModelEndpoint, RunConfig } from '../config/schema.ts';
import { policyServers } from './activities.ts';
import { failure } from './errors.ts';

export interface PolicyWeights {
  checkpointId: string;
  path: string;
}

export interface ServedPolicy {
  model: ModelEndpoint;
  policyVersion: string;
  servedName?: string;
}

/** Weights to start from when no checkpoint exists yet: models.baseModelDir, if given. */
export function baseWeights(models: RunConfig['models']): PolicyWeights | null {
  const dir = models.baseModelDir;
  return dir ? { checkpointId: 'base', path: dir } : null;
}

const servedNameOf = (runId: string, label: string) =>
  `${runId}-${label}`.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 120);

export async function servePolicy(
  runId: string,
  policy: ModelEndpoint,
  weights: PolicyWeights | null,
  label: string,
): Promise<ServedPolicy> {
  // A fixed endpoint serves what it serves: its rows are stamped with its name, never with a checkpoint it lacks.
  if (policy.kind !== 'trainer') return { model: policy, policyVersion: policy.name };
  if (!weights) {
    throw failure(
      'ConfigError',
      `models.policy: a trainer policy needs weights before "${label}": run the sft stage first or set models.baseModelDir`,
    );
  }
  const servedName = servedNameOf(runId, label);
  // The engine serves the checkpoint under its id (docs/training.md, "Policy serving contract"): requests name it,
  // and every reply's `model` says which checkpoint answered (the rollout row records that, not this).
  const ref = await policyServers.ensurePolicyServer({
    checkpoint: weights.path,
    servedName,
    modelName: weights.checkpointId,
  });
  const name = ref.model ?? weights.checkpointId;
  return { model: { ...policy, name, baseUrl: ref.baseUrl }, policyVersion: weights.checkpointId, servedName };
}

/** Stops a server started by servePolicy, even while the workflow is being cancelled. */
export async function releasePolicy(p: ServedPolicy): Promise<void> {
  const servedName = p.servedName;
  if (!servedName) return;
  await CancellationScope.nonCancellable(() => policyServers.stopPolicyServer({ servedName }));
}

/** Runs fn with the policy served, and always stops the server afterwards. */
export async function withPolicy<T>(
  runId: string,
  policy: ModelEndpoint,
  weights: PolicyWeights | null,
  label: string,
  fn: (p: ServedPolicy) => Promise<T>,
): Promise<T> {
  const served = await servePolicy(runId, policy, weights, label);
  try {
    return await fn(served);
  } finally {
    await releasePolicy(served);
  }
}
