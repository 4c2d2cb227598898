// The rollout queue's contract: what workflows send a rollout worker and what comes back, and the trajectory
// message every stage stores and reads. Types only (contracts/ imports only core/ and config/schema.ts).
// Payloads carry ids, paths and small summaries, never trajectories or tensors.
import type { CondensationMeta } from '../core/context.ts';
import type { ModelEndpoint, RunConfig } from '../config/schema.ts';

export type AgentConfig = RunConfig['agent'];
export type SandboxConfig = RunConfig['sandbox'];
export type RolloutStage = 'distill' | 'difficulty' | 'rft' | 'rl' | 'tts' | 'eval';

/** SWE-bench grading outcome of one patch. Only infra_error is retriable. */
export type EvalOutcome = 'resolved' | 'unresolved' | 'patch_failed' | 'infra_error';
export type ExitReason = 'submitted' | 'max_turns' | 'context_limit' | 'timeout' | 'model_error' | 'infra_error';

export interface RolloutInput {
  runId: string;
  stage: RolloutStage;
  taskId: string;
  sample: number;
  /** The endpoint to sample from; baseUrl already resolved (e.g. the policy server of the current checkpoint). */
  model: ModelEndpoint;
  /**
   * The checkpoint id the workflow asked for (trainer policies) or the model name. The row records what the
   * endpoint reports in its replies' `model` field instead; this is only the fallback when no reply came.
   */
  policyVersion?: string;
  agent: AgentConfig;
  sandbox: SandboxConfig;
  /** Reward of a forced submission that resolves (SWE-Master α). */
  alpha: number;
  seed: number;
}

export interface RolloutSummary {
  rolloutId: number;
  taskId: string;
  sample: number;
  exitReason: ExitReason;
  forced: boolean;
  outcome: EvalOutcome | null;
  /** null when masked. */
  reward: number | null;
  masked: boolean;
  maskReason?: string;
  turns: number;
  tokens: number;
  historyAttempts: number;
  loopCount: number;
  trajectoryPath: string;
}

/**
 * One line of a trajectory file in the artifact store (JSONL): OpenAI chat-format messages in order, so the SFT
 * dataset builder can hand them to the trainer as they are. Per-turn extras ride along under `meta`.
 */
export interface TrajectoryMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
  name?: string;
  /**
   * usage: the endpoint's token counts for the reply (assistant messages; absent when it reported none). model:
   * the `model` the endpoint reported in its reply (which checkpoint answered). sampled: the completion's token
   * ids and their log-probs as the sampler drew them (policy endpoints that return them; GRPO's pi_old).
   * finishReason: the endpoint's `finish_reason` (`stop`, `tool_calls`, `length`, …); `length` means the reply was
   * cut at max tokens, so the end-of-turn token the chat template adds is not the model's and is not trained on.
   */
  meta?: {
    turn?: number;
    ms?: number;
    refused?: string;
    error?: string;
    usage?: { prompt: number; completion: number };
    model?: string;
    sampled?: SampledTokens;
    finishReason?: string;
    /** System message: the tools the rollout was given, when not the default four (toolSpecs.ts toolSpecsOf). */
    tools?: string[];
    /** A condensation marker (core/context.ts): the context the model sees from here on. */
    condensation?: CondensationMeta;
    /** Part of a summarize condensation: the request for the summary, or the summary reply. */
    condense?: 'request' | 'summary';
    /** The summary reply came from this endpoint, not the policy (never trained as the policy's output). */
    summarizer?: string;
    /** lsp tool: whether the language server was started, found running or restarted for this call. */
    lsp?: 'started' | 'found' | 'restarted';
  };
  /** 0: not trained in this training sequence (OpenAI fine-tuning's per-message weight); see core/context.ts. */
  weight?: 0;
}

export interface SampledTokens {
  tokenIds: number[];
  logprobs: number[];
}

export interface CanaryInput {
  runId: string;
  iteration: number;
  taskIds: string[];
  goldRuns: number;
  sandbox: SandboxConfig;
  concurrency?: number;
}

export interface CanaryResult {
  /** Tasks re-validated this time, and those of them whose verdict flipped at least once. */
  checked: string[];
  flipped: string[];
  /** Every task quarantined in this run so far (the loop leaves them out of later batches). */
  quarantined: string[];
}

export interface PrepareImagesInput {
  runId: string;
  budgetGb: number;
  /** The tasks of the batch about to run, and of the next one (prefetched if they fit). */
  now: string[];
  next: string[];
  /** The run's tasks: the budget counts and removes their images only, never other runs' or other tasks'. */
  scope: string[];
  /**
   * Check only (at pipeline start, before the RL batch is known): would this many of the run's images fit, each
   * at the largest the run has (every managed task image on the engine when `scope` is empty)? Nothing removed.
   */
  batchOf?: number;
}

export interface PrepareImagesResult {
  removed: string[];
  built: string[];
  prefetched: string[];
  usedBytes: number;
  budgetBytes: number;
}

/** The rollout queue (TASK_QUEUES.rollout): workers with a Docker engine implement it. */
export interface RolloutActivities {
  /** One trajectory, graded; writes its rollouts row itself (idempotent on run/stage/task/sample). */
  runRollout(i: RolloutInput): Promise<RolloutSummary>;
  /** Re-validates an RL iteration's canary tasks with the harness, quarantines the flipped ones. */
  canaryCheck(i: CanaryInput): Promise<CanaryResult>;
  /** Task images under sandbox.diskBudgetGb (refuse, evict LRU, build, prefetch the next batch). */
  prepareTaskImages(i: PrepareImagesInput): Promise<PrepareImagesResult>;
}
