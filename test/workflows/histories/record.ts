// Records the histories the replay test replays: a full pipeline (and each kind of child), a partitioned fan-out,
// the RL loop across continue-as-new, and a scheduled evaluation, all against stub activities.
// Run after a deliberate workflow change, and commit the result:  node --import tsx test/workflows/histories/record.ts
// `... record.ts rl-async` records only the async RL histories and keeps every other file (and the older histories
// the replay test needs, such as rl-zero-advantage.json from before its patch) as committed.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { RunConfigInput } from '../../../config/schema.ts';
import { TASK_QUEUES, WORKFLOW_TYPES, stageWorkflowId, runWorkflowId } from '../../../core/constants.ts';
import { rlOnlyConfig, startPipelineEnv, testConfig, type PipelineEnv } from '../helpers/env.ts';
import { listIds, runPipeline } from '../helpers/run.ts';

const DIR = import.meta.dirname;

async function save(
  env: PipelineEnv,
  manifest: Record<string, string>,
  file: string,
  workflowId: string,
  runId?: string,
) {
  const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
  // Relative names only: the histories must not depend on the machine that recorded them.
  writeFileSync(join(DIR, file), historyToJSON(history));
  manifest[file] = workflowId;
}

/** Async RL (stages.rl.mode: async, k = 1) across one continue-as-new: both executions. */
async function recordAsync(env: PipelineEnv, manifest: Record<string, string>) {
  env.behaviour.outcome = (_task, sample) => (sample % 2 === 0 ? 'resolved' : 'unresolved');
  const c = rlOnlyConfig(env, {
    iterations: 3,
    batchTasks: 2,
    groupSize: 2,
    continueAsNewEvery: 2,
    canaries: { sample: 0 },
    mode: 'async',
    maxStaleness: 1,
  });
  await runPipeline(env, 'replay-async', c);
  env.behaviour.outcome = undefined;
  const rl = stageWorkflowId('replay-async', 'rl');
  const runs: string[] = [];
  for await (const w of env.client.workflow.list({ query: `WorkflowId = "${rl}"` })) runs.push(w.runId);
  for (const [i, runId] of runs.reverse().entries()) await save(env, manifest, `rl-async-${i + 1}.json`, rl, runId);
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await startPipelineEnv({ prefix: 'record' });
  if (process.argv[2] === 'rl-async') {
    const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as Record<string, string>;
    try {
      await recordAsync(env, manifest);
      writeFileSync(join(DIR, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      console.log(`recorded the async RL histories in ${DIR}`);
    } finally {
      await env.stop();
    }
    return;
  }
  const manifest: Record<string, string> = {};
  try {
    await runPipeline(env, 'replay-1');
    await save(env, manifest, 'pipeline.json', runWorkflowId('replay-1'));
    for (const stage of ['distill', 'difficulty', 'filter', 'sft', 'sweWorld', 'tts', 'report']) {
      await save(env, manifest, `${stage}.json`, stageWorkflowId('replay-1', stage));
    }
    const rl = stageWorkflowId('replay-1', 'rl');
    const runs: string[] = [];
    for await (const w of env.client.workflow.list({ query: `WorkflowId = "${rl}"` })) runs.push(w.runId);
    for (const [i, runId] of runs.reverse().entries()) await save(env, manifest, `rl-${i + 1}.json`, rl, runId);

    const parts = testConfig(env, { stages: { distill: { window: 3 } }, fanOut: { partitionSize: 4 } }) as {
      stages: Record<string, unknown>;
    };
    for (const s of ['difficulty', 'filter', 'sft', 'rl', 'sweWorld', 'tts', 'report'])
      parts.stages[s] = { enabled: false };
    await runPipeline(env, 'replay-parts', parts as RunConfigInput);
    const partIds = (await listIds(env, 'WorkflowType = "rolloutBatchWorkflow"')).sort();
    await save(env, manifest, 'distill-partitioned.json', stageWorkflowId('replay-parts', 'distill'));
    await save(env, manifest, 'rollout-batch.json', partIds[0]!);

    // RL whose iteration 2 has no learning signal (every group resolves): the committed file was recorded before the
    // rl-skip-zero-advantage patch (at 8733edc), where that iteration still stepped; re-recording it here records
    // the patched path instead.
    env.behaviour.outcome = (_task, sample) => (sample >= 2 || sample === 0 ? 'resolved' : 'unresolved');
    await runPipeline(env, 'replay-zero', rlOnlyConfig(env, { iterations: 2, batchTasks: 2, groupSize: 2, canaries: { sample: 0 } }));
    env.behaviour.outcome = undefined;
    await save(env, manifest, 'rl-zero-advantage.json', stageWorkflowId('replay-zero', 'rl'));

    await env.client.workflow.execute(WORKFLOW_TYPES.evaluation, {
      taskQueue: TASK_QUEUES.orchestrator,
      workflowId: 'nightly-eval-2026-01-01T02:00:00Z',
      args: [{ config: testConfig(env), samples: 2 }],
    });
    await save(env, manifest, 'evaluation.json', 'nightly-eval-2026-01-01T02:00:00Z');
    await recordAsync(env, manifest);
    writeFileSync(join(DIR, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    console.log(`recorded ${Object.keys(manifest).length} histories in ${DIR}`);
  } finally {
    await env.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
