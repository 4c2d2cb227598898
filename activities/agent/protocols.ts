// The three small protocols of the scaffold (mini-swe-agent style): a Model answers a message list, an
// Environment runs one independent command at a time, and the agent loop (loop.ts) ties them together.
// Tests plug in a fake Model or Environment; production uses modelClient.ts and environment.ts.
import { SweForgeError } from '../../core/errors.ts';
import type { ExitReason, SampledTokens, TrajectoryMessage } from '../../contracts/rollout.ts';
import type { NativeToolCall } from '../../core/toolCalls.ts';
import type { ContextStrategy } from '../../core/context.ts';

export type ToolFormat = 'native' | 'text';

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ModelReply {
  content: string;
  /** Native tool calls (toolFormat native); text-format calls stay inside content. */
  toolCalls?: NativeToolCall[];
  /** null when the endpoint reports none (then the loop estimates). */
  usage: TokenUsage | null;
  finishReason?: string;
  /** The `model` field of the response: the name the engine serves (a policy server's: its checkpoint id). */
  model?: string;
  /** The completion's token ids and log-probs, when the endpoint returned both (see docs/training.md). */
  sampled?: SampledTokens;
}

export interface Model {
  readonly name: string;
  readonly toolFormat: ToolFormat;
  query(messages: TrajectoryMessage[], o: { signal?: AbortSignal; timeoutMs?: number }): Promise<ModelReply>;
}

export interface EnvExecResult {
  output: string;
  exitCode: number;
  timedOut: boolean;
  truncatedBytes: number;
}

export interface Environment {
  /** Container id (heartbeats carry it). */
  readonly id: string;
  readonly workdir: string;
  exec(cmd: string, o: { timeoutSec: number; outputCapBytes: number }): Promise<EnvExecResult>;
  /** null when the file does not exist; throws NotAFileError for directories. */
  readFile(path: string): Promise<Buffer | null>;
  writeFile(path: string, content: string): Promise<void>;
  deleteFile(path: string): Promise<void>;
  /** The working tree's diff against the base commit, binary-safe (`git diff --binary`). */
  diff(): Promise<string>;
}

/** The path is a directory (or another non-file): the editor lists it instead. */
export class NotAFileError extends SweForgeError {}
/** The file is too big to load into the worker for the editor (a model can make a multi-GB file in seconds). */
export class FileTooLargeError extends SweForgeError {}
/** A write the model asked for is impossible (permission, a directory in the way): an observation, not a failure. */
export class FileWriteError extends SweForgeError {}

/** git could not produce the working tree's diff (the agent broke the repository): the answer is patch_failed. */
export class DiffUnavailableError extends SweForgeError {}

/** The model endpoint cannot be reached (connection refused, 5xx, 429) after the client's own retries. */
export class ModelUnavailableError extends SweForgeError {}
/** The request was too long for the model's context (HTTP 400 naming the context length). */
export class ContextLengthError extends SweForgeError {}
/** The endpoint refused this request for a reason retrying will not fix (other 4xx). */
export class ModelRejectedError extends SweForgeError {}
/** The endpoint configuration is wrong (401/403/404, missing API key): fail loudly instead of scoring zeros. */
export class ModelConfigError extends SweForgeError {}

export interface AgentLimits {
  maxTurns: number;
  contextTokens: number;
  wallTimeSec: number;
  commandTimeoutSec: number;
  outputCapBytes: number;
  loopThreshold: number;
  /** agent.context (core/context.ts); absent in inputs recorded before it existed: none. */
  context?: { strategy: ContextStrategy; atTokens?: number; keepLastTurns: number; summarizer?: { name: string } };
}

export interface AgentResult {
  exitReason: Exclude<ExitReason, 'infra_error'>;
  messages: TrajectoryMessage[];
  turns: number;
  /** Tokens of the whole trajectory as the model last saw it (prompt + reply of the last turn). */
  tokens: number;
  promptTokens: number;
  completionTokens: number;
  historyAttempts: number;
  loopCount: number;
  formatErrors: number;
  /** Context condensations (agent.context) during the episode. */
  condensations: number;
  /** Set for model_error: what the endpoint said. */
  error?: string;
}
