// Settings of the gpu worker process that only the training activities read: how many GPUs to use, how to serve a
// policy, how long to wait. Read once per process from the environment and validated here, so a typo fails at
// start-up with the variable's name instead of in the middle of a training run.
import { z } from 'zod';
import { ConfigError } from '../../core/errors.ts';

export const DEFAULT_VLLM_CMD =
  'vllm serve {checkpoint} --served-model-name {name} --port {port} --enable-auto-tool-choice --tool-call-parser hermes';

const intFromEnv = (min: number) => z.coerce.number().int().min(min);

const TrainingEnvSchema = z.object({
  SWE_FORGE_GPUS: intFromEnv(0)
    .optional()
    .describe('CUDA devices this worker uses; unset: count the lines of `nvidia-smi -L` (0 when it is missing).'),
  SWE_FORGE_VLLM_CMD: z
    .string()
    .min(1)
    .default(DEFAULT_VLLM_CMD)
    .describe('Policy server command on CUDA workers; {checkpoint} {name} {port} are filled in.'),
  SWE_FORGE_POLICY_SERVER: z
    .enum(['auto', 'llama', 'trainer', 'vllm'])
    .default('auto')
    .describe(
      'auto: vLLM when the worker has a GPU, else llama (llama.cpp via the trainer `serve-llama`); trainer: the ' +
        'transformers `serve` command (no prefix cache, no log-probs).',
    ),
  SWE_FORGE_LLAMA_DTYPE: z
    .enum(['f16', 'f32'])
    .default('f16')
    .describe(
      'Weight type of the GGUF the CPU engine serves: f16 decodes ~1.7x faster on CPU (measured); f32 gives the ' +
        "trainer's log-probs to 1e-3.",
    ),
  SWE_FORGE_INPLACE_SWAP: z
    .enum(['0', '1'])
    .default('1')
    .describe(
      '1: a CPU (llama.cpp) policy server given a checkpoint that is its base plus LoRA adapters (training.lora) ' +
        'swaps the adapters in without a restart; 0: always restart from the new checkpoint.',
    ),
  SWE_FORGE_MAX_ADAPTERS: intFromEnv(1)
    .default(8)
    .describe('In-place swaps stack at most this many adapters on the loaded base; past it the server restarts.'),
  SWE_FORGE_SERVE_HOST: z.string().min(1).default('127.0.0.1').describe('Address the trainer `serve` binds.'),
  SWE_FORGE_ADVERTISE_HOST: z
    .string()
    .min(1)
    .optional()
    .describe('Host name put in returned base URLs (default: the bind address, or this host name for 0.0.0.0).'),
  SWE_FORGE_SERVER_READY_TIMEOUT_S: intFromEnv(1)
    .default(600)
    .describe(
      'How long a policy server may take to answer /v1/models (a 32B model loads for minutes); keep it under ' +
        "the activity's startToCloseTimeout so this error, with the server's stderr, is the one reported.",
    ),
  SWE_FORGE_KILL_GRACE_S: intFromEnv(0)
    .default(60)
    .describe('Seconds between SIGTERM (the trainer saves a checkpoint) and SIGKILL.'),
  SWE_FORGE_HEARTBEAT_S: intFromEnv(1)
    .default(10)
    .describe('Heartbeat at least this often, also while a model loads and no event arrives.'),
});

export interface TrainingEnv {
  /** undefined: detect with nvidia-smi. */
  gpus?: number;
  vllmCmd: string;
  policyServer: 'auto' | 'llama' | 'trainer' | 'vllm';
  llamaDtype: 'f16' | 'f32';
  serveHost: string;
  advertiseHost?: string;
  readyTimeoutMs: number;
  killGraceMs: number;
  heartbeatMs: number;
  inPlaceSwap: boolean;
  maxAdapters: number;
}

export function loadTrainingEnv(env: NodeJS.ProcessEnv = process.env): TrainingEnv {
  const r = TrainingEnvSchema.safeParse(env);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const name = String(issue.path[0]);
    throw new ConfigError(`environment variable ${name}=${JSON.stringify(env[name])}: ${issue.message}`);
  }
  const e = r.data;
  return {
    gpus: e.SWE_FORGE_GPUS,
    vllmCmd: e.SWE_FORGE_VLLM_CMD,
    policyServer: e.SWE_FORGE_POLICY_SERVER,
    llamaDtype: e.SWE_FORGE_LLAMA_DTYPE,
    serveHost: e.SWE_FORGE_SERVE_HOST,
    advertiseHost: e.SWE_FORGE_ADVERTISE_HOST,
    readyTimeoutMs: e.SWE_FORGE_SERVER_READY_TIMEOUT_S * 1000,
    killGraceMs: e.SWE_FORGE_KILL_GRACE_S * 1000,
    heartbeatMs: e.SWE_FORGE_HEARTBEAT_S * 1000,
    inPlaceSwap: e.SWE_FORGE_INPLACE_SWAP === '1',
    maxAdapters: e.SWE_FORGE_MAX_ADAPTERS,
  };
}
