// The schema of one pipeline run. Every field has a help text and the papers' default; sub-configs are handed
// to the components that need them (never the whole config).
import { z } from 'zod';
import { TrainingSchema } from './trainingSchema.ts';

const positiveInt = () => z.number().int().positive();
const probability = () => z.number().min(0).max(1);

export const ModelEndpointSchema = z
  .object({
    name: z.string().min(1).describe('Model name sent to the endpoint (served-model-name for vLLM / SGLang).'),
    kind: z
      .enum(['openai', 'scripted', 'trainer'])
      .default('openai')
      .describe(
        'openai: any OpenAI-compatible endpoint at baseUrl; scripted: the test stand-in policy server the project ' +
          'starts itself (not a model); trainer: the trainer `serve` command for the latest checkpoint (CPU demos).',
      ),
    baseUrl: z.string().url().optional().describe('OpenAI-compatible base URL, e.g. http://gpu-host:8000/v1.'),
    apiKeyEnv: z
      .string()
      .optional()
      .describe('Name of the environment variable that holds the API key (the key itself never enters a workflow).'),
    toolFormat: z
      .enum(['native', 'text'])
      .default('native')
      .describe('native: OpenAI tool calls; text: <tool_call>{json}</tool_call> blocks in the message content.'),
    temperature: z.number().min(0).max(2).default(1).describe('Sampling temperature for rollouts.'),
    maxTokens: positiveInt().default(4096).describe('Max tokens per model reply.'),
  })
  .strict();
export type ModelEndpoint = z.infer<typeof ModelEndpointSchema>;

export const TasksSchema = z
  .object({
    file: z.string().default('tasks/mini/tasks.jsonl').describe('SWE-bench / SWE-Gym style JSONL of task instances.'),
    repos: z
      .record(z.string(), z.string())
      .default({})
      .describe('owner/name -> local git repository (or bundle) used as the source when images are built offline.'),
    train: z.array(z.string()).optional().describe('Instance ids for training stages (default: all not in eval).'),
    eval: z.array(z.string()).default([]).describe('Instance ids held out for evaluation and TTS.'),
    limit: positiveInt().optional().describe('Use at most this many training tasks (for quick runs).'),
  })
  .strict();

export const AgentSchema = z
  .object({
    maxTurns: positiveInt().default(150).describe('Turn limit; on reaching it the diff is force-submitted.'),
    contextTokens: positiveInt().default(131072).describe('Context limit in tokens; exceeding it truncates the run.'),
    wallTimeSec: positiveInt().default(3600).describe('Wall-clock limit of one rollout, seconds.'),
    commandTimeoutSec: positiveInt().default(120).describe('Timeout of one bash action, seconds.'),
    outputCapBytes: positiveInt().default(16384).describe('Observation cap; head and tail are kept.'),
    loopThreshold: positiveInt().default(3).describe('An action repeated more than this many times counts as a loop.'),
    exploitAction: z
      .enum(['zero', 'mask', 'flag'])
      .default('zero')
      .describe(
        'A rollout that read future history, edited the graded tests or tried the network: zero scores it 0, mask ' +
          'drops it from training, flag only records it. Flagged rollouts never enter SFT data.',
      ),
    context: z
      .object({
        strategy: z
          .enum(['none', 'truncate', 'summarize'])
          .default('none')
          .describe(
            'none: the episode ends at contextTokens; truncate: older observations elided to a marker; summarize: ' +
              'older turns replaced by a summary the policy writes (docs/agent.md, context management).',
          ),
        atTokens: positiveInt()
          .optional()
          .describe('Condense when the context reaches this (default 3/4 of contextTokens).'),
        keepLastTurns: positiveInt().default(4).describe('The last turns kept as they are when condensing.'),
        summarizer: ModelEndpointSchema.optional().describe(
          'summarize: an endpoint that writes the summary instead of the policy (its reply is never trained).',
        ),
      })
      .strict()
      .default({ strategy: 'none', keepLastTurns: 4 })
      .describe('Context management for long horizons.'),
    tools: z
      .object({
        lsp: z
          .boolean()
          .default(false)
          .describe(
            'Give the agent the lsp tool (jedi-language-server in the sandbox: definition, references, call ' +
              'hierarchy, ...; docs/agent.md). Off: the model is never shown it.',
          ),
      })
      .strict()
      .prefault({})
      .describe('Optional tools beyond bash, file_editor, search and submit.'),
    systemPrompt: z.string().optional().describe('Override of the system prompt template.'),
    instancePrompt: z.string().optional().describe('Override of the task prompt template ({{problem_statement}}).'),
  })
  .strict()
  .superRefine((a, ctx) => {
    const at = a.context.atTokens;
    if (at !== undefined && at >= a.contextTokens) {
      ctx.addIssue({
        code: 'custom',
        path: ['context', 'atTokens'],
        message: `must be below agent.contextTokens (${a.contextTokens}): condensing happens before the limit ends the run`,
      });
    }
  });

export const SandboxSchema = z
  .object({
    memoryMb: positiveInt().default(4096).describe('Container memory limit, MiB.'),
    pidsLimit: positiveInt().default(512).describe('Container pid limit (stops fork bombs).'),
    cpuShares: positiveInt().default(512).describe('Relative CPU weight of a container.'),
    network: z.boolean().default(false).describe('Give rollout containers a network (off: no network at all).'),
    testTimeoutSec: positiveInt().default(900).describe('Timeout of one evaluation test run, seconds.'),
    infraMaxAttempts: positiveInt().default(3).describe('Attempts for an infrastructure error before masking.'),
    maxFailedShare: probability()
      .default(0.5)
      .describe(
        'A rollout stage fails loudly when more than this share of its rollouts failed (errors, not masked ' +
          'infrastructure failures): a broken endpoint or task set must not pass as a small dataset. 1: never.',
      ),
    diskBudgetGb: z
      .number()
      .positive()
      .optional()
      .describe(
        'Disk for task images (GB; the shared base once plus each image of ours): least-recently-used images the ' +
          'current RL batch does not need are removed, the next batch is prefetched, and a run whose one batch ' +
          'cannot fit is refused before its first rollout. Absent: no limit.',
      ),
    containerDiskGb: z
      .number()
      .positive()
      .optional()
      .describe(
        "Per-container disk quota (GB, the container's writable layer): applied where the storage driver supports " +
          "Docker's StorageOpt size (overlay2 over xfs with pquota, devicemapper, btrfs, zfs), skipped with a warning elsewhere.",
      ),
    heartbeatSec: positiveInt()
      .max(60)
      .default(4)
      .describe(
        'A rollout heartbeats this often; it counts as dead after 4 missed beats and another worker takes it over.',
      ),
  })
  .strict();

export const DistillSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Run teacher distillation.'),
    samplesPerTask: positiveInt().default(1).describe('Rollouts per (teacher, task).'),
    window: positiveInt().default(64).describe('Max rollouts in flight per fan-out (well under 2,000 pending).'),
  })
  .strict();

export const DifficultySchema = z
  .object({
    enabled: z.boolean().default(true).describe('Estimate difficulty with Best-of-N rollouts.'),
    n: positiveInt().default(8).describe('Best-of-N samples per task (pass rate p = c / n).'),
    model: z.enum(['policy', 'teacher']).default('teacher').describe('Which model samples the N rollouts.'),
  })
  .strict();

export const FilterSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Filter trajectories into the SFT dataset (sft needs it).'),
    keep: z.enum(['mixed', 'all']).default('mixed').describe('mixed: keep tasks with 0 < p < 1 (SWE-Master).'),
    perInstanceCap: positiveInt().default(2).describe('Max successful trajectories per task (SWE-Gym cap = 2).'),
    order: z.enum(['fewest_turns', 'random']).default('fewest_turns').describe('Which trajectories the cap keeps.'),
    maxTokens: positiveInt().default(81920).describe('Drop trajectories longer than this many tokens.'),
    dropHistoryAttempts: z.boolean().default(true).describe('Drop trajectories that tried to read git history.'),
    sources: z
      .array(z.enum(['distill', 'difficulty']))
      .min(1)
      .default(['distill', 'difficulty'])
      .describe("Which stages' rollouts are SFT candidates (difficulty samples are Best-of-N trajectories too)."),
  })
  .strict();

export const SftSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Run long-horizon SFT on the filtered trajectories.'),
    epochs: positiveInt().default(5).describe('Epochs over the SFT set.'),
    steps: positiveInt().optional().describe('Fixed number of optimizer steps (overrides epochs).'),
    lr: z.number().positive().default(1e-5).describe('Learning rate.'),
    batchSize: positiveInt().default(256).describe('Global batch size in trajectories.'),
    maxSeqLen: positiveInt().default(81920).describe('Max tokens per trajectory (80K as in SWE-Master).'),
    yarnFactor: z.number().min(1).optional().describe('YaRN rope-scaling factor (e.g. 2.5 for 32K -> 80K).'),
    packing: z.boolean().default(false).describe('Pack several trajectories per sequence.'),
    saveEvery: positiveInt().default(50).describe('Checkpoint every this many steps.'),
    rounds: positiveInt()
      .default(1)
      .describe(
        "Rejection-sampling fine-tuning rounds (SWE-Gym). Round 1 trains on the filter's data; each later round " +
          'samples roundSamples rollouts per training task from the checkpoint just trained, keeps the resolved ones ' +
          '(capped by stages.filter.perInstanceCap) and fine-tunes that checkpoint on them.',
      ),
    roundSamples: positiveInt().default(4).describe('Rollouts per training task in each round after the first.'),
  })
  .strict();

export const RlSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Run GRPO with real execution.'),
    iterations: positiveInt().default(100).describe('RL iterations (batch -> rollouts -> step).'),
    batchTasks: positiveInt().default(32).describe('Tasks sampled from the mixed pool per iteration.'),
    groupSize: z.number().int().min(2).default(4).describe('Rollouts per task (G); must be >= 2.'),
    alpha: probability().default(0.5).describe('Reward of a forced submission that resolves.'),
    epsLow: z.number().min(0).max(1).default(0.2).describe('Lower clip range (1 - epsLow).'),
    epsHigh: z.number().min(0).max(10).default(0.28).describe('Upper clip range (1 + epsHigh).'),
    klCoef: z.literal(0).default(0).describe('KL coefficient: SWE-Master drops the KL term, so only 0 is accepted.'),
    lMax: positiveInt().default(81920).describe('Constant length normalisation L_max (loss / (G * L_max)).'),
    lr: z.number().positive().default(1e-6).describe('Learning rate.'),
    ppoEpochs: positiveInt()
      .default(1)
      .describe(
        "Passes over each iteration's batch. With ppoEpochs and miniBatches both 1 there is one update, taken at " +
          'the weights that sampled: rho is 1 (or the sampler/trainer mismatch) and the clip never acts. The ' +
          "papers' value is not known here (docs/training.md).",
      ),
    miniBatches: positiveInt()
      .default(1)
      .describe(
        "Optimizer steps per epoch: the batch's groups split this many ways; from the 2nd step on rho moves off 1 " +
          'and clip-higher acts. 1 (the default) leaves the clip inactive.',
      ),
    mode: z
      .enum(['sync', 'async'])
      .default('sync')
      .describe(
        "sync: an iteration's rollouts, then its step (the papers' loop). async: the rollouts of the next " +
          'iterations run while a step trains, on weights at most maxStaleness versions behind (docs/training.md).',
      ),
    maxStaleness: positiveInt()
      .max(8)
      .default(1)
      .describe(
        'async: how many policy versions behind the weights being trained a sample may be (k); a member sampled ' +
          'further behind (per turn, as the engine reported) never enters a batch.',
      ),
    staleSamples: z
      .enum(['drop', 'rerun'])
      .default('drop')
      .describe(
        'async: a member older than maxStaleness is dropped from the batch (masked, counted) or re-run under the ' +
          'current weights before the step (the old row is kept in rollout_retired).',
      ),
    partialRollouts: z
      .boolean()
      .default(false)
      .describe(
        'async: when a step finishes, the rollouts in flight go on from their current turn under the new weights ' +
          '(swapped into the running engine; each turn records which checkpoint answered it) instead of finishing ' +
          'on the old ones. Only where the engine can swap in place (LoRA on llama.cpp); elsewhere nothing changes.',
      ),
    oldLogprobs: z
      .enum(['sampler', 'recomputed'])
      .optional()
      .describe(
        'pi_old of the ratio: the log-probs the serving engine sampled with, or recomputed by the trainer. Default: ' +
          'sampler in sync mode, recomputed in async mode (with tisCap 2).',
      ),
    tisCap: z
      .number()
      .min(0)
      .optional()
      .describe(
        'Truncated importance sampling (Yao et al.): weight tokens by min(pi_trainer_old / pi_sampler, tisCap); 0 = ' +
          'off. Needs oldLogprobs: recomputed (the ratio against the trainer, the weight against the sampler). ' +
          'Default: 0 in sync mode, 2 in async mode.',
      ),
    dynamicSampling: z
      .boolean()
      .default(false)
      .describe(
        "DAPO's dynamic sampling: a group whose rewards all agree is left out of the batch and fresh tasks' groups " +
          'are drawn (same iteration, same policy) until batchTasks groups have a signal or maxExtraGroups were drawn.',
      ),
    maxExtraGroups: z
      .number()
      .int()
      .min(0)
      .default(8)
      .describe('dynamicSampling: at most this many extra groups drawn per iteration.'),
    stepWithoutSignal: z
      .boolean()
      .default(false)
      .describe(
        'Run the GRPO step even when no group has differing rewards (every advantage 0): it changes nothing but ' +
          "AdamW's weight decay, yet writes a checkpoint and swaps the server to it. Off: the iteration keeps its " +
          "policy and status says '(step skipped)'.",
      ),
    offPolicy: z
      .boolean()
      .default(false)
      .describe(
        'Allow RL with a policy that is not served from its checkpoints (kind openai / scripted): off-policy ' +
          "updates from a fixed endpoint's samples. Refused unless set; the report says so.",
      ),
    continueAsNewEvery: positiveInt().default(10).describe('Continue-as-new every this many iterations.'),
    canaries: z
      .object({
        sample: z
          .number()
          .int()
          .min(0)
          .default(2)
          .describe("Tasks of each iteration's batch re-validated (gold resolves, empty does not); 0 = off."),
        every: positiveInt()
          .default(1)
          .describe('Run the canaries on every this-many-th iteration (1, 1 + every, ...).'),
        goldRuns: positiveInt()
          .max(20)
          .default(1)
          .describe('Gold-patch evaluations per canary task: more runs catch a rarer flake.'),
      })
      .strict()
      .prefault({})
      .describe(
        'Canaries: a task whose harness verdict flips is quarantined (left out of later batches) and its rewards ' +
          "in that iteration are masked as 'harness_flaky'.",
      ),
  })
  .strict()
  // Async samples come from older weights than the step trains: pi_old is recomputed by the trainer and the
  // sampler/trainer gap is corrected by truncated IS, unless the config says otherwise.
  .transform((rl) => {
    const async = rl.mode === 'async';
    return {
      ...rl,
      oldLogprobs: rl.oldLogprobs ?? (async && rl.tisCap !== 0 ? 'recomputed' : 'sampler'),
      tisCap: rl.tisCap ?? (async && rl.oldLogprobs !== 'sampler' ? 2 : 0),
    };
  })
  .superRefine((rl, ctx) => {
    if (rl.partialRollouts && rl.mode !== 'async')
      ctx.addIssue({
        code: 'custom',
        path: ['partialRollouts'],
        message: 'partialRollouts needs stages.rl.mode: async (in sync mode no step runs while rollouts do)',
      });
    // With pi_old from the sampler the ratio already corrects for sampler/trainer mismatch (untruncated); the TIS
    // weight would correct a second time. Yao et al.'s TIS takes the ratio against the trainer's recomputed pi_old.
    if (rl.tisCap > 0 && rl.oldLogprobs === 'sampler')
      ctx.addIssue({
        code: 'custom',
        path: ['tisCap'],
        message:
          `tisCap ${rl.tisCap} with stages.rl.oldLogprobs: sampler corrects the sampler/trainer mismatch twice ` +
          '(the ratio is already against the sampler); set stages.rl.oldLogprobs: recomputed (truncated IS: ratio ' +
          'against the trainer, weight min(pi_trainer_old / pi_sampler, tisCap)) or tisCap: 0',
      });
  });

export const SweWorldSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Train the verifier / simulator used by TTS.'),
    kind: z.enum(['swe_world', 'orm']).default('swe_world').describe('swe_world: simulated report; orm: P(YES).'),
    steps: positiveInt().default(200).describe('Training steps.'),
    batchSize: positiveInt()
      .default(4)
      .describe('Examples per optimizer step across every rank (each process trains on its share).'),
    lr: z.number().positive().default(1e-5).describe('Learning rate.'),
    balance: z.boolean().default(true).describe('Balance resolved / unresolved examples 50/50.'),
    heldOutFraction: z
      .number()
      .min(0)
      .max(0.9)
      .default(0.25)
      .describe(
        "Share of the run's tasks whose executions are held out of verifier training and measured on (split by task).",
      ),
    baseline: z
      .enum(['orm', 'swe_world'])
      .optional()
      .describe(
        'A second verifier kind trained and measured on the same split, reported next to `kind` (TTS uses `kind`).',
      ),
    reverseReasoning: z
      .boolean()
      .default(false)
      .describe(
        "swe_world: the first teacher explains each recorded report (SWE-Master's reverse reasoning); the chains go, " +
          'marked, into the report rows for a generative simulator (datasets/verifier-swe_world-reports.jsonl).',
      ),
  })
  .strict();

export const TtsSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Run test-time scaling on the evaluation tasks.'),
    k: positiveInt().default(8).describe('Candidates per task (TTS@K).'),
    selector: z.enum(['verifier', 'random', 'fewest_turns']).default('verifier').describe('How one is picked.'),
    backend: z
      .enum(['onnx', 'llm'])
      .default('onnx')
      .describe("onnx: the run's own sweWorld checkpoint, in process; llm: an external judge (models.verifier)."),
    model: z
      .enum(['policy', 'teacher'])
      .default('policy')
      .describe(
        'Who samples the K candidates: the trained policy (the paper) or the first teacher (demos, baselines).',
      ),
  })
  .strict();

export const StagesSchema = z
  .object({
    distill: DistillSchema.prefault({}),
    difficulty: DifficultySchema.prefault({}),
    filter: FilterSchema.prefault({}),
    sft: SftSchema.prefault({}),
    rl: RlSchema.prefault({}),
    sweWorld: SweWorldSchema.prefault({}),
    tts: TtsSchema.prefault({}),
    report: z
      .object({ enabled: z.boolean().default(true).describe('Write the Markdown report and plots.') })
      .strict()
      .prefault({}),
  })
  .strict();

export const RunConfigSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes')
      .describe('Run name.'),
    recipe: z.enum(['swe-master', 'swe-gym', 'custom']).default('custom').describe('Which recipe this follows.'),
    seed: z.number().int().default(0).describe('Seed for sampling tasks and scripted policies.'),
    tasks: TasksSchema.prefault({}),
    models: z
      .object({
        teachers: z.array(ModelEndpointSchema).default([]).describe('Teacher models for distillation.'),
        policy: ModelEndpointSchema.describe('The model being trained (its base; later its checkpoints).'),
        verifier: ModelEndpointSchema.optional().describe('Endpoint for the llm verifier backend.'),
        baseModelDir: z
          .string()
          .optional()
          .describe(
            'Base weights for training: an HF folder, or a named base model the gpu worker converts once from an ' +
              'installed package and caches (smollm2-135m-instruct); default: the tiny random model.',
          ),
      })
      .strict(),
    fanOut: z
      .object({
        window: positiveInt()
          .max(1000)
          .default(64)
          .describe(
            'Max rollouts in flight per fan-out for difficulty, RL and TTS (distill uses stages.distill.window).',
          ),
        partitionSize: positiveInt()
          .max(1000)
          .default(500)
          .describe('Fan-outs larger than this run as child workflows of this many rollouts each (bounded history).'),
      })
      .strict()
      .prefault({})
      .describe('How rollouts are fanned out: Temporal allows 2,000 pending activities per execution; stay far below.'),
    agent: AgentSchema.prefault({}),
    sandbox: SandboxSchema.prefault({}),
    stages: StagesSchema.prefault({}),
    training: TrainingSchema.prefault({}).describe('The cluster training runs on and how the model is spread over it.'),
  })
  .strict();

export type RunConfig = z.infer<typeof RunConfigSchema>;
export type RunConfigInput = z.input<typeof RunConfigSchema>;
export type StageName = keyof RunConfig['stages'];
export const STAGE_ORDER: readonly StageName[] = [
  'distill',
  'difficulty',
  'filter',
  'sft',
  'rl',
  'sweWorld',
  'tts',
  'report',
] as const;
