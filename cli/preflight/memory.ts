// The memory plan of a run: per training stage, what one GPU holds (weights, gradients, optimizer state,
// activations, logits) on the configured cluster, and the knob that would make a stage fit when it does not.
// `swe-forge config check --json` prints it under checks.memory; `config check` and `run` refuse (exit 2) a config
// with a stage that does not fit.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeFix, suggestFix, type KnobChange } from '../../core/memoryFit.ts';
import { GIB, estimateMemory, gib, type JobShape } from '../../core/memoryPlan.ts';
import { knownShape, shapeFromHfConfig, totalParams, type ModelShape } from '../../core/modelShapes.ts';
import type { RunConfig } from '../../config/schema.ts';

export interface StagePlan {
  stage: 'sft' | 'rl' | 'sweWorld';
  seqLen: number;
  globalBatch: number;
  microBatch: number;
  /** Micro-batches per GPU per optimizer step (gradient accumulation). */
  accumulation: number;
  perGpuGib: {
    weights: number;
    gradients: number;
    optimizer: number;
    activations: number;
    logits: number;
    total: number;
  };
  hostGibPerGpu: number;
  fits: boolean;
  fix?: KnobChange[];
}

export interface MemoryPlan {
  cluster: {
    nodes: number;
    gpusPerNode: number;
    gpus: number;
    gpuMemoryGib: number;
    usableGib: number;
    hostMemoryGib: number;
    launcher: 'local' | 'torchrun-hosts' | 'slurm';
  };
  model: { name: string; shapeFrom: string; parameters: number } | null;
  stages: StagePlan[];
  note?: string;
}

/** Where the trained model's shape comes from: training.architecture, the base model's config.json, the table. */
export function resolveShape(c: RunConfig): { shape: ModelShape; from: string } | undefined {
  if (c.training.architecture) return { shape: c.training.architecture, from: 'training.architecture' };
  const dir = c.models.baseModelDir;
  if (dir && existsSync(join(dir, 'config.json'))) {
    const shape = shapeFromHfConfig(
      JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>,
    );
    if (shape) return { shape, from: join(dir, 'config.json') };
  }
  const byName = knownShape(dir ? dir.replace(/\/+$/, '') : 'tiny') ?? knownShape(c.models.policy.name);
  if (byName) return { shape: byName, from: 'core/modelShapes.ts' };
  return undefined;
}

function stageJobs(c: RunConfig): { stage: StagePlan['stage']; seqLen: number; seqLenPath: string; batch: number }[] {
  const s = c.stages;
  const out = [];
  if (s.sft.enabled)
    out.push({
      stage: 'sft' as const,
      seqLen: s.sft.maxSeqLen,
      seqLenPath: 'stages.sft.maxSeqLen',
      batch: s.sft.batchSize,
    });
  // A GRPO step trains on whole trajectories, which the agent caps at contextTokens.
  if (s.rl.enabled)
    out.push({
      stage: 'rl' as const,
      seqLen: c.agent.contextTokens,
      seqLenPath: 'agent.contextTokens',
      batch: s.rl.batchTasks * s.rl.groupSize,
    });
  // SWE-World is an SFT of the same base on simulated reports; the ORM trains at the trainer's 4,096 tokens.
  if (s.sweWorld.enabled)
    out.push(
      s.sweWorld.kind === 'swe_world'
        ? {
            stage: 'sweWorld' as const,
            seqLen: s.sft.maxSeqLen,
            seqLenPath: 'stages.sft.maxSeqLen',
            batch: s.sweWorld.batchSize,
          }
        : { stage: 'sweWorld' as const, seqLen: 4096, seqLenPath: 'stages.sweWorld', batch: s.sweWorld.batchSize },
    );
  return out;
}

export function memoryPlan(c: RunConfig, device: 'cuda' | 'cpu' = 'cuda'): MemoryPlan {
  const t = c.training;
  const gpus = t.nodes * t.gpusPerNode;
  const capacity = t.gpuMemoryGb * t.usableFraction * GIB;
  const cluster = {
    nodes: t.nodes,
    gpusPerNode: t.gpusPerNode,
    gpus,
    gpuMemoryGib: t.gpuMemoryGb,
    usableGib: gib(capacity),
    hostMemoryGib: t.hostMemoryGb,
    launcher: t.launcher,
  };
  // The plan is for the stated cluster; with launcher local only the worker's own GPUs train (docs/training.md).
  const launchNote =
    t.nodes > 1 && t.launcher === 'local'
      ? `training.nodes is ${t.nodes} but training.launcher is local: the job runs on the gpu worker's own GPUs only; ` +
        'set training.launcher: torchrun-hosts (with training.hosts) or slurm to span the nodes'
      : undefined;
  const resolved = resolveShape(c);
  if (!resolved)
    return {
      cluster,
      model: null,
      stages: [],
      note: `no shape known for ${c.models.policy.name}: set training.architecture to plan memory`,
    };
  const stages = stageJobs(c).map((sj): StagePlan => {
    const job: JobShape = {
      shape: resolved.shape,
      device,
      gpus,
      engine: t.engine,
      seqLen: sj.seqLen,
      microBatch: t.microBatchSize,
      gradientCheckpointing: t.gradientCheckpointing,
      offloadActivations: t.offloadActivations,
      cpuOffload: t.cpuOffload,
      loraRank: t.lora.enabled ? t.lora.rank : 0,
      logitChunk: t.logitChunk,
    };
    const e = estimateMemory(job);
    const fix = suggestFix(job, {
      capacity,
      hostCapacity: t.hostMemoryGb * GIB,
      gpusPerNode: t.gpusPerNode,
      nodes: t.nodes,
      seqLenPath: sj.seqLenPath,
      loraRank: t.lora.rank,
    });
    return {
      stage: sj.stage,
      seqLen: sj.seqLen,
      globalBatch: sj.batch,
      microBatch: t.microBatchSize,
      accumulation: Math.max(1, Math.ceil(sj.batch / (gpus * t.microBatchSize))),
      perGpuGib: {
        weights: gib(e.weights),
        gradients: gib(e.gradients),
        optimizer: gib(e.optimizer),
        activations: gib(e.activations),
        logits: gib(e.logits),
        total: gib(e.total),
      },
      hostGibPerGpu: gib(e.host),
      fits: fix === undefined,
      ...(fix ? { fix } : {}),
    };
  });
  return {
    cluster,
    model: { name: c.models.policy.name, shapeFrom: resolved.from, parameters: totalParams(resolved.shape) },
    stages,
    ...(launchNote ? { note: launchNote } : {}),
  };
}

/** One line per stage that does not fit, naming the knob. */
export function memoryProblems(plan: MemoryPlan): string[] {
  return plan.stages
    .filter((s) => !s.fits)
    .map(
      (s) =>
        `training: stage ${s.stage} needs ${s.perGpuGib.total} GiB per GPU (seq ${s.seqLen}; ${s.hostGibPerGpu} GiB host) ` +
        `but ${plan.cluster.usableGib} GiB is usable on ${plan.cluster.gpus} x ${plan.cluster.gpuMemoryGib} GiB ` +
        `(training.gpuMemoryGb; ${plan.cluster.hostMemoryGib} GiB host per node); ${describeFix(s.fix ?? [])}`,
    );
}

export const memoryCheck = {
  name: 'memory',
  check: ({ config }: { config: RunConfig }) => {
    const plan = memoryPlan(config);
    return { problems: memoryProblems(plan), details: plan };
  },
};
