// The pipeline: one JSON input { runId, config } (so the Web UI can start it), the stages as child workflows in
// order, each skippable by config, and each skipped when an earlier execution of this run completed it.
import type { AnyStageSummary, StageInput, StageSummaries } from '../contracts/pipeline.ts';
import {
  CancellationScope,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { RunConfigSchema, STAGE_ORDER, type RunConfig, type RunConfigInput, type StageName } from '../config/schema.ts';
import { isRunId, runIdMessage } from '../core/ids.ts';
import { issueLines } from '../core/zodIssues.ts';
import { stageWorkflowId } from '../core/constants.ts';
import { pipeline } from './activities.ts';
import { runConfigProblems } from '../config/stageRules.ts';
import { installControl } from './control.ts';
import { checkDiskBudget } from './stages/diskBudget.ts';
import { SA, statusQuery } from './definitions.ts';
import { currentDetails, stageSummary } from './details.ts';
import { errorMessage, failure } from './errors.ts';
import { applyProgress, newStatus, renderStatus, type StatusState } from './status.ts';
import { difficultyWorkflow } from './stages/difficulty.ts';
import { distillWorkflow } from './stages/distill.ts';
import { filterWorkflow } from './stages/filter.ts';
import { reportWorkflow } from './stages/report.ts';
import { rlWorkflow } from './stages/rl.ts';
import { sftWorkflow } from './stages/sft.ts';
import { sweWorldWorkflow } from './stages/sweWorld.ts';
import { ttsWorkflow } from './stages/tts.ts';

export interface PipelineInput {
  /** Optional: the run id is taken from the Workflow ID (run-<runId>, or the whole ID without that prefix). */
  runId?: string;
  /** A full run config as JSON; defaults fill what is left out. */
  config: RunConfigInput;
}

export interface PipelineResult {
  runId: string;
  stages: Partial<StageSummaries>;
  disabled: StageName[];
  reused: StageName[];
}

const STAGE_WORKFLOWS: { [S in StageName]: (i: StageInput) => Promise<StageSummaries[S]> } = {
  distill: distillWorkflow,
  difficulty: difficultyWorkflow,
  filter: filterWorkflow,
  sft: sftWorkflow,
  rl: rlWorkflow,
  sweWorld: sweWorldWorkflow,
  tts: ttsWorkflow,
  report: reportWorkflow,
};

/** zod is deterministic, so validating here gives a UI-started run the same dotted-path errors as the CLI. */
export function parseConfig(raw: unknown): RunConfig {
  const r = RunConfigSchema.safeParse(raw);
  if (r.success) return r.data;
  const lines = issueLines(r.error, raw).map((l) => `  ${l}`);
  throw failure('ConfigError', `invalid config:\n${lines.join('\n')}`);
}

/** `{ "preset": "demo", ... }` needs the preset files, which only an activity may read. */
export async function resolveConfig(raw: unknown): Promise<RunConfig> {
  if (!raw || typeof raw !== 'object' || !('preset' in raw)) return parseConfig(raw);
  try {
    return await pipeline.resolveConfig({ config: raw });
  } catch (err) {
    throw failure('ConfigError', errorMessage(err), err);
  }
}

function noteSummary(st: StatusState, stage: StageName, summary: AnyStageSummary): void {
  if ((stage === 'sft' || stage === 'rl') && 'checkpointId' in summary && summary.checkpointId)
    st.latestCheckpoint = summary.checkpointId;
  if (stage === 'rl' && 'iterations' in summary) st.rlIteration = summary.iterations;
}

/**
 * The run id is the Workflow ID less its `run-` prefix, whatever the input says: a run started from the Web UI
 * with only a config, or with a runId that disagrees with its Workflow ID, is still the run the CLI finds
 * (`swe-forge status ID` looks up run-ID, then ID). Histories from before this rule keep the input's.
 */
function runIdOf(input: PipelineInput): string | undefined {
  if (!patched('run-id-from-workflow-id')) return input.runId;
  return workflowInfo().workflowId.replace(/^run-/, '');
}

/** The run's status: what the status query, the UI's current details and the rlIteration search attribute show. */
function installStatus(runId: string) {
  const st = newStatus(runId, workflowInfo().workflowId);
  // The UI's "current details": not in the history, so setting it never affects replay.
  const show = () => setCurrentDetails(currentDetails(renderStatus(st, control.paused)));
  const control = installControl((p) => {
    applyProgress(st, p);
    if (p.kind === 'stage' && p.rlIteration !== undefined && st.rlIteration !== null)
      upsertSearchAttributes([{ key: SA.rlIteration, value: st.rlIteration }]);
    show();
  });
  setHandler(statusQuery, () => renderStatus(st, control.paused));
  show();
  return { st, show, control };
}

/** The config, resolved and checked as `swe-forge config check` checks it, before any stage runs. */
async function checkedConfig(runId: string, raw: PipelineInput['config']): Promise<RunConfig> {
  const config = await resolveConfig(raw);
  const problems = runConfigProblems(config);
  if (problems.length) throw failure('ConfigError', `invalid config:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  // Only runs that set sandbox.diskBudgetGb (a field newer than every recorded history) reach an activity here.
  try {
    await checkDiskBudget(runId, config);
  } catch (err) {
    throw failure('ConfigError', errorMessage(err), err);
  }
  return config;
}

type Status = ReturnType<typeof installStatus>;

/** One stage as a child workflow; its summary is stored so a re-run reuses it. A failure names the stage. */
async function runStage(runId: string, config: RunConfig, stage: StageName, s: Status): Promise<AnyStageSummary> {
  const { st, show, control } = s;
  await control.waitIfPaused();
  st.stage = stage;
  st.states[stage] = 'running';
  upsertSearchAttributes([{ key: SA.stage, value: stage }]);
  show();
  try {
    const run = STAGE_WORKFLOWS[stage] as (i: StageInput) => Promise<AnyStageSummary>;
    const summary = await control.runChild(run, {
      workflowId: stageWorkflowId(runId, stage),
      args: [{ runId, config }],
      staticSummary: stageSummary(runId, stage),
    });
    await pipeline.putStageResult({ runId, stage, summary });
    st.states[stage] = 'completed';
    noteSummary(st, stage, summary);
    show();
    return summary;
  } catch (err) {
    const message = errorMessage(err);
    if (isCancellation(err)) {
      st.states[stage] = 'cancelled';
      st.outcome = 'cancelled';
      await CancellationScope.nonCancellable(() => pipeline.setRunStatus({ runId, status: 'cancelled' }));
      throw err;
    }
    st.states[stage] = 'failed';
    st.outcome = 'failed';
    st.lastError = `${stage}: ${message}`;
    show();
    await pipeline.setRunStatus({ runId, status: 'failed', error: st.lastError });
    throw failure('StageFailed', `stage ${stage} failed: ${message}`, err);
  }
}

export async function pipelineWorkflow(input: PipelineInput): Promise<PipelineResult> {
  const runId = runIdOf(input);
  if (!isRunId(runId)) throw failure('InputError', runIdMessage('runId', runId));
  const status = installStatus(runId);
  const { st, show } = status;
  const config = await checkedConfig(runId, input.config);
  upsertSearchAttributes([
    { key: SA.stage, value: 'starting' },
    { key: SA.recipe, value: config.recipe },
    { key: SA.model, value: config.models.policy.name },
  ]);
  const reg = await pipeline.registerRun({
    runId,
    workflowId: st.workflowId,
    executionId: workflowInfo().runId,
    config,
  });
  const result: PipelineResult = { runId, stages: {}, disabled: [], reused: [] };

  for (const stage of STAGE_ORDER) {
    const earlier = reg.completed[stage];
    if (!config.stages[stage].enabled) {
      st.states[stage] = 'skipped';
      result.disabled.push(stage);
    } else if (earlier) {
      st.states[stage] = 'completed';
      st.reused.add(stage);
      noteSummary(st, stage, earlier);
      Object.assign(result.stages, { [stage]: earlier });
      result.reused.push(stage);
    } else {
      Object.assign(result.stages, { [stage]: await runStage(runId, config, stage, status) });
    }
  }
  st.stage = 'done';
  st.outcome = 'completed';
  show();
  upsertSearchAttributes([{ key: SA.stage, value: 'done' }]);
  await pipeline.setRunStatus({ runId, status: 'completed' });
  return result;
}
