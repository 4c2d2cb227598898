// A scheduled evaluation: the latest policy checkpoint (of one run, or of the newest run with the config's name)
// on the evaluation split, graded and written up. Each scheduled start is its own evaluation run.
import type { TtsSummary } from '../contracts/pipeline.ts';
import { setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { RunConfigInput } from '../config/schema.ts';
import { pipeline } from './activities.ts';
import { installControl } from './control.ts';
import { SA, statusQuery } from './definitions.ts';
import { failure } from './errors.ts';
import { resolveConfig } from './pipeline.ts';
import { baseWeights, withPolicy, type PolicyWeights } from './policy.ts';
import { applyProgress, newStatus, renderStatus } from './status.ts';
import { range, stageRollouts } from './stages/rollouts.ts';

export interface EvaluationInput {
  config: RunConfigInput;
  /** Whose checkpoint to evaluate; default: the newest run named config.name. */
  runId?: string;
  /** Samples per task (Pass@1 from them, Pass@K with K = samples). */
  samples?: number;
  /** Exactly these weights instead of the latest checkpoint (the learning bench evaluates base, SFT and RL). */
  weights?: PolicyWeights;
}

export interface EvaluationResult extends TtsSummary {
  sourceRunId: string | null;
  checkpoint: string | null;
}

export async function evaluationWorkflow(input: EvaluationInput): Promise<EvaluationResult> {
  // Schedules start `<schedule>-<time>`: a fresh id per start, so rollouts of two nights never collide.
  const evalRunId = workflowInfo().workflowId.replace(/[^A-Za-z0-9._-]/g, '-');
  const st = newStatus(evalRunId, workflowInfo().workflowId);
  const control = installControl((p) => applyProgress(st, p));
  setHandler(statusQuery, () => renderStatus(st, control.paused));
  const config = await resolveConfig(input.config);
  const samples = input.samples ?? 1;
  if (!Number.isInteger(samples) || samples < 1)
    throw failure('InputError', `samples: must be a positive integer (got ${samples})`);
  upsertSearchAttributes([
    { key: SA.stage, value: 'eval' },
    { key: SA.recipe, value: config.recipe },
    { key: SA.model, value: config.models.policy.name },
  ]);
  await pipeline.registerRun({
    runId: evalRunId,
    workflowId: st.workflowId,
    executionId: workflowInfo().runId,
    config,
  });
  const latest = input.weights
    ? null
    : await pipeline.latestCheckpoint(input.runId ? { runId: input.runId } : { runName: config.name });
  const weights =
    input.weights ?? (latest ? { checkpointId: latest.checkpointId, path: latest.path } : baseWeights(config.models));
  st.latestCheckpoint = weights?.checkpointId ?? null;
  const { eval: evalIds } = await pipeline.loadRunTasks({ runId: evalRunId, tasks: config.tasks, seed: config.seed });
  if (evalIds.length === 0)
    throw failure('ConfigError', 'tasks.eval: the evaluation split is empty; list held-out instance ids');
  st.stage = 'tts';
  st.states.tts = 'running';
  const items = evalIds.flatMap((taskId) => range(samples).map((sample) => ({ taskId, sample })));
  await withPolicy(evalRunId, config.models.policy, weights, 'eval', (p) =>
    stageRollouts(
      { runId: evalRunId, config, stage: 'eval', progressStage: 'tts', models: [p], items, label: 'eval' },
      control,
    ),
  );
  const summary = await pipeline.recordEvaluation({
    evaluationId: evalRunId,
    runId: evalRunId,
    stage: 'eval',
    kind: 'eval',
    checkpoint: weights?.checkpointId ?? null,
    k: samples,
    selector: 'random',
    seed: config.seed,
    scores: [],
  });
  await pipeline.setRunStatus({ runId: evalRunId, status: 'completed' });
  st.states.tts = 'completed';
  st.stage = 'done';
  st.outcome = 'completed';
  return { ...summary, sourceRunId: latest?.runId ?? null, checkpoint: weights?.checkpointId ?? null };
}
