// `training`: the cluster a run trains on and how the trainer spreads the model over it. The memory plan
// (cli/preflight/memory.ts) reads it to say, per stage, what one GPU holds and whether that fits.
import { z } from 'zod';

const positiveInt = () => z.number().int().positive();

export const ArchitectureSchema = z
  .object({
    hiddenSize: positiveInt().describe('hidden_size of config.json.'),
    numLayers: positiveInt().describe('num_hidden_layers.'),
    intermediateSize: positiveInt().describe('intermediate_size (MLP width).'),
    numHeads: positiveInt().describe('num_attention_heads.'),
    numKvHeads: positiveInt().describe('num_key_value_heads (GQA).'),
    vocabSize: positiveInt().describe('vocab_size.'),
    tieEmbeddings: z.boolean().default(false).describe('tie_word_embeddings: the output head is the embedding.'),
    qkvBias: z.boolean().default(false).describe('q/k/v projections have a bias (Qwen2: true).'),
  })
  .strict()
  .describe('Shape of the trained model, when its name is not in core/modelShapes.ts and its config.json is not here.');

const SlurmSchema = z
  .object({
    partition: z.string().min(1).optional().describe('sbatch --partition.'),
    timeLimit: z.string().min(1).optional().describe('sbatch --time, e.g. 12:00:00.'),
    gpus: z
      .boolean()
      .default(true)
      .describe('Ask for gpusPerNode GPUs per node (--gpus-per-node); false: CPU nodes, one process per gpusPerNode.'),
    extraArgs: z.array(z.string()).default([]).describe('More #SBATCH options, e.g. --account=ml.'),
    pollSeconds: positiveInt().default(10).describe('How often the activity asks squeue about the job.'),
  })
  .strict()
  .prefault({})
  .describe('launcher slurm: the batch job the activity submits.');

export const TrainingSchema = z
  .object({
    nodes: positiveInt().default(1).describe('Hosts one training job spans.'),
    gpusPerNode: positiveInt().default(1).describe('GPUs per host (one trainer process each).'),
    gpuMemoryGb: z.number().positive().default(80).describe('Memory of one GPU, GiB.'),
    usableFraction: z
      .number()
      .gt(0)
      .max(1)
      .default(0.9)
      .describe('Share of gpuMemoryGb the plan may fill (the rest: CUDA context, NCCL buffers, fragmentation).'),
    hostMemoryGb: z
      .number()
      .positive()
      .default(512)
      .describe('Host memory of one node, GiB (holds what cpuOffload and offloadActivations move off the GPUs).'),
    hosts: z
      .array(z.string().min(1))
      .optional()
      .describe('Fixed host list for torchrun rendezvous (first = rendezvous host); length must equal nodes.'),
    engine: z
      .enum(['fsdp', 'ddp'])
      .default('fsdp')
      .describe('fsdp: PyTorch FSDP2 shards weights, gradients and optimizer state; ddp: a full copy per GPU.'),
    microBatchSize: positiveInt()
      .default(1)
      .describe('Sequences per GPU per forward; gradient accumulation makes up the global batch.'),
    gradientCheckpointing: z
      .boolean()
      .default(false)
      .describe(
        'Keep only each layer input; recompute the rest (the plan suggests it first when a stage does not fit).',
      ),
    offloadActivations: z
      .boolean()
      .default(false)
      .describe('With checkpointing, keep the layer inputs in host memory (torch save_on_cpu).'),
    cpuOffload: z
      .boolean()
      .default(false)
      .describe('FSDP2 CPU offload: sharded weights, gradients and AdamW state in host memory.'),
    cpuBf16: z
      .boolean()
      .default(false)
      .describe(
        'On CPU workers: bf16 autocast for matmuls, fp32 master weights and optimizer (for CPUs with AVX512-BF16 or AMX).',
      ),
    heartbeatTimeoutSec: z
      .number()
      .int()
      .min(10)
      .default(300)
      .describe(
        'Heartbeat timeout of a training activity: how long a dead gpu worker (kill -9, a lost host) holds its job ' +
          'before Temporal retries it elsewhere. The worker beats every SWE_FORGE_HEARTBEAT_S (default 10) from a timer.',
      ),
    logitChunk: positiveInt()
      .default(4096)
      .describe('Tokens per chunk when computing logits and the loss (the full logits never exist at once).'),
    lora: z
      .object({
        enabled: z.boolean().default(false).describe('Train LoRA adapters (peft) instead of every weight.'),
        rank: positiveInt().default(64).describe('LoRA rank r.'),
        alpha: z.number().positive().default(128).describe('LoRA alpha (scale alpha / r).'),
      })
      .strict()
      .prefault({}),
    architecture: ArchitectureSchema.optional(),
    launcher: z
      .enum(['local', 'torchrun-hosts', 'slurm'])
      .default('local')
      .describe(
        "local: this worker's GPUs (torchrun --standalone); torchrun-hosts: torchrun on each of `hosts` through " +
          '`hostCommand`, one c10d rendezvous; slurm: an sbatch job of `nodes` nodes running `srun torchrun`.',
      ),
    hostCommand: z
      .string()
      .min(1)
      .default('ssh -o BatchMode=yes {host} {command}')
      .describe('torchrun-hosts: how to run a command on a host; {host} and {command} (one shell word) are filled in.'),
    rendezvousPort: positiveInt()
      .max(65535)
      .default(29400)
      .describe('torchrun-hosts and slurm: c10d rendezvous port on the first host.'),
    slurm: SlurmSchema,
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.launcher === 'torchrun-hosts' && !t.hosts)
      ctx.addIssue({ code: 'custom', path: ['hosts'], message: 'launcher torchrun-hosts needs the list of hosts' });
    if (t.hosts && t.hosts.length !== t.nodes)
      ctx.addIssue({
        code: 'custom',
        path: ['hosts'],
        message: `lists ${t.hosts.length} hosts but nodes is ${t.nodes}`,
      });
  });

export type TrainingConfig = z.infer<typeof TrainingSchema>;
