// One rollout end to end, independent of Temporal (the activity and the CLI both call it): a container from the
// task image, the agent loop, the diff, grading in a fresh container, reward shaping, the trajectory file and
// the summary row. Infrastructure failures throw InfraError while attempts remain (the caller retries) and give
// a masked result on the last attempt; a model endpoint that stays down does the same with ModelUnavailableError
// and ends as model_error, masked as policy_unavailable (an outage is not the model's failure).
import { InfraError, InputError } from '../../core/errors.ts';
import { isTruncation, shapeReward } from '../../core/reward.ts';
import type { TestStatus } from '../../core/pytestLog.ts';
import type { TaskInstance } from '../../core/task.ts';
import { executionRecord } from './executionRecord.ts';
import type {
  EvalOutcome,
  ExitReason,
  RolloutInput,
  RolloutSummary,
  TrajectoryMessage,
} from '../../contracts/rollout.ts';
import { REPO_DIR, type SandboxEnvironment } from './environment.ts';
import { estimateTokens, runAgent } from './loop.ts';
import { buildPrompts } from './prompts.ts';
import { toolNamesFor } from '../trajectory/toolSpecs.ts';
import { DiffUnavailableError, ModelUnavailableError, type AgentResult, type Model } from './protocols.ts';
import { upsertRollout } from './rolloutStore.ts';
import { answeredBy } from './provenance.ts';
import { heartbeatEverySec } from '../../core/heartbeat.ts';
import { acquireSandbox, createLeaseKeeper, leftForRetry, type LeaseKeeper } from './resume.ts';
import { applyExploitPolicy } from '../../core/exploits.ts';
import { checkRolloutExploits, recordExploits } from './exploitCheck.ts';
import { trajectoryPath, writeTrajectory } from '../trajectory/store.ts';
import { toolUsage } from '../trajectory/toolUsage.ts';
import { markerIndices } from '../../core/context.ts';
import type Docker from 'dockerode';
import type pg from 'pg';

export type RolloutTask = TaskInstance & { source_path?: string | null };

export interface RolloutDeps {
  pool: pg.Pool;
  docker: Docker;
  artifactsDir: string;
  getTask(id: string): Promise<RolloutTask | undefined>;
  model(input: RolloutInput): Promise<Model>;
  /** The task's environment image (built when missing). */
  prepareImage(task: RolloutTask): Promise<string>;
  evaluate(task: RolloutTask, patch: string, input: RolloutInput): Promise<Evaluated>;
}

/** A grading result; tests / logTail (the harness's parsed statuses and log tail) are stored with the row. */
export interface Evaluated {
  outcome: EvalOutcome;
  message: string;
  tests?: Readonly<Record<string, TestStatus>>;
  logTail?: string;
}

export interface RolloutHooks {
  /** 1-based attempt of this rollout; the last one (>= sandbox.infraMaxAttempts) masks instead of throwing. */
  attempt: number;
  signal?: AbortSignal;
  heartbeat?: (details: { turn: number; containerId?: string }) => void;
  onMessage?: (m: TrajectoryMessage) => void;
  warn?: (message: string, fields?: Record<string, unknown>) => void;
}

export const MAX_PATCH_BYTES = 10 * 1024 * 1024;

interface ContainerPhase {
  agent?: AgentResult;
  patch: string | null;
  /** Why there is no patch although the container was fine (the agent broke git). */
  diffError?: string;
  failure?: { kind: 'infra' | 'model'; error: Error };
}

async function containerPhase(
  deps: RolloutDeps,
  input: RolloutInput,
  task: RolloutTask,
  hooks: RolloutHooks,
  beat: { turn: number; containerId?: string },
  messages: TrajectoryMessage[],
  lease: LeaseKeeper,
): Promise<ContainerPhase> {
  const out: ContainerPhase = { patch: null };
  const model = await deps.model(input);
  const summarizerEndpoint = input.agent.context?.summarizer;
  const summarizer = summarizerEndpoint ? await deps.model({ ...input, model: summarizerEndpoint }) : undefined;
  let env: SandboxEnvironment | undefined;
  // A later attempt may have adopted the sandbox (this one only looked dead): then it is not ours to remove.
  // A worker shutting down (SIGTERM) leaves the sandbox to the retry, which resumes in it (resume.ts).
  const removeIfOwned = async () => {
    if (env && !leftForRetry(hooks.signal) && (await lease.owns())) await env.remove();
  };
  const onAbort = () => void removeIfOwned().catch(() => undefined);
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const image = await deps.prepareImage(task);
    const labels = { run: input.runId, activity: `rollout/${input.stage}/${input.sample}`, task: task.instance_id };
    const start = { image, sandbox: input.sandbox, labels, baseCommit: task.base_commit };
    const got = await acquireSandbox(deps, input, hooks.attempt, start, hooks.warn);
    env = got.env;
    if (got.resume) messages.push(...got.resume.messages);
    beat.turn = got.resume?.turn ?? 0;
    beat.containerId = env.id;
    hooks.heartbeat?.(beat);
    const tools = toolNamesFor(input.agent);
    const prompts = buildPrompts({ ...input.agent, tools, toolFormat: model.toolFormat, task, workdir: REPO_DIR });
    try {
      out.agent = await runAgent({
        model,
        env,
        limits: input.agent,
        summarizer,
        system: prompts.system,
        user: prompts.user,
        tools,
        signal: hooks.signal,
        resume: got.resume,
        onTurn: (turn, state) => {
          lease.completed(turn - 1, messages, state); // checkpoint: turns before this one are complete
          beat.turn = turn;
          hooks.heartbeat?.(beat);
        },
        onMessage: (m) => {
          messages.push(m);
          hooks.onMessage?.(m);
        },
      });
    } catch (err) {
      if (!(err instanceof ModelUnavailableError) || hooks.signal?.aborted) throw err;
      out.failure = { kind: 'model', error: err };
    }
    try {
      out.patch = await env.diff();
    } catch (err) {
      if (!(err instanceof DiffUnavailableError)) throw err;
      out.diffError = err.message;
    }
  } catch (err) {
    if (hooks.signal?.aborted) throw hooks.signal.reason ?? err;
    if (!(err instanceof InfraError)) throw err;
    out.failure = { kind: 'infra', error: err };
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
    await removeIfOwned().catch((e: Error) =>
      hooks.warn?.('container removal failed', { error: e.message, containerId: env?.id }),
    );
  }
  return out;
}

export async function performRollout(
  deps: RolloutDeps,
  input: RolloutInput,
  hooks: RolloutHooks,
): Promise<RolloutSummary> {
  const startedAt = new Date();
  const lastAttempt = hooks.attempt >= input.sandbox.infraMaxAttempts;
  const task = await deps.getTask(input.taskId);
  if (!task)
    throw new InputError(`task ${input.taskId} is not in the task store (import it with \`swe-forge tasks import\`)`);
  const messages: TrajectoryMessage[] = [];
  const beat: { turn: number; containerId?: string } = { turn: 0 };
  const lease = createLeaseKeeper(deps.pool, input, hooks.attempt, hooks.warn);
  // Re-sent between turns too, so a slow model reply or a long grading run does not look like a dead worker.
  const timer = setInterval(
    () => {
      hooks.heartbeat?.(beat);
      lease.beat();
    },
    heartbeatEverySec(input.sandbox.heartbeatSec) * 1000,
  );
  try {
    const phase = await containerPhase(deps, input, task, hooks, beat, messages, lease);
    if (phase.failure && !lastAttempt) throw phase.failure.error;
    const agent = phase.agent;
    const exitReason: ExitReason = phase.failure
      ? phase.failure.kind === 'infra'
        ? 'infra_error'
        : 'model_error'
      : agent!.exitReason;
    let error = phase.failure?.error.message ?? agent?.error;
    const forced = isTruncation(exitReason);
    let outcome: EvalOutcome | null = null;
    let evalMs: number | undefined;
    let patch = phase.patch;
    let evaluated: Evaluated | undefined;
    if (exitReason === 'submitted' || forced) {
      if (phase.diffError) {
        outcome = 'patch_failed';
        error = phase.diffError;
      } else if (!patch?.trim())
        outcome = 'unresolved'; // an empty diff cannot make a failing test pass: nothing to run
      else if (Buffer.byteLength(patch) > MAX_PATCH_BYTES) {
        outcome = 'patch_failed';
        error = `the diff is ${Buffer.byteLength(patch)} bytes, over the ${MAX_PATCH_BYTES}-byte limit`;
        patch = null;
      } else {
        const t0 = Date.now();
        const ev = (evaluated = await deps.evaluate(task, patch, input));
        evalMs = Date.now() - t0;
        outcome = ev.outcome;
        if (outcome === 'infra_error') {
          if (!lastAttempt) throw new InfraError(`grading ${input.taskId} hit an infrastructure error: ${ev.message}`);
          error = ev.message;
        }
      }
    }
    if (hooks.signal?.aborted) throw hooks.signal.reason;
    // An endpoint down past its retries says nothing about the model: masked as policy_unavailable, not scored 0.
    const unavailable = phase.failure?.kind === 'model';
    const exploits = checkRolloutExploits(task, messages, patch);
    const exploitAction = input.agent.exploitAction ?? 'zero'; // runs started before the field: the default
    const shaped = applyExploitPolicy(
      shapeReward({ exitReason, forced, outcome, alpha: input.alpha, unavailable }),
      exploits,
      exploitAction,
    );
    await lease.flush(); // a superseded attempt writes nothing: the attempt that took over owns the row
    const path = trajectoryPath(deps.artifactsDir, input);
    await writeTrajectory(path, messages);
    const tokens = agent?.tokens ?? messages.reduce((n, m) => n + estimateTokens(m.content), 0);
    const completionTokens = agent?.completionTokens ?? 0;
    const summary: Omit<RolloutSummary, 'rolloutId'> = {
      taskId: input.taskId,
      sample: input.sample,
      exitReason,
      forced,
      outcome,
      reward: shaped.reward,
      masked: shaped.masked,
      maskReason: shaped.masked ? `${shaped.maskReason}: ${error ?? 'unknown'}`.slice(0, 2000) : undefined,
      turns: agent?.turns ?? beat.turn,
      tokens,
      historyAttempts: agent?.historyAttempts ?? messages.filter((m) => m.meta?.refused).length,
      loopCount: agent?.loopCount ?? 0,
      trajectoryPath: path,
    };
    const rolloutId = await upsertRollout(deps.pool, {
      ...summary,
      runId: input.runId,
      stage: input.stage,
      model: input.model.name,
      policyVersion: answeredBy(messages, input),
      seed: input.seed,
      // prompt + completion = the trajectory's length: the environment's part plus what the model generated.
      promptTokens: Math.max(0, tokens - completionTokens),
      completionTokens,
      patch,
      formatErrors: agent?.formatErrors ?? 0,
      error,
      startedAt,
      finishedAt: new Date(),
      evalMs,
      attempt: hooks.attempt,
      ...executionRecord(task, outcome, evaluated),
      toolUsage: toolUsage(messages),
      condensations: markerIndices(messages).length,
    });
    await recordExploits(deps.pool, input, exploits, exploitAction);
    await lease.finish();
    return { rolloutId, ...summary };
  } finally {
    clearInterval(timer);
  }
}
