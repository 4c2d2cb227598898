// Whether a job fits its GPUs, and if not, which config knob would make it fit. Knobs are tried one at a time in
// the order of what they cost (compute first, then host memory, then quality, then hardware, then context);
// when no single knob is enough, they are combined in that order. Pure.
import { estimateMemory, type JobShape } from './memoryPlan.ts';

export interface KnobChange {
  path: string;
  value: boolean | number;
}

interface Knob {
  path: string;
  /** The changed job and the value to print, or undefined when the knob is already at its cheapest setting. */
  apply: (j: JobShape) => { job: JobShape; value: boolean | number } | undefined;
}

export interface FitContext {
  /** Bytes one GPU may use. */
  capacity: number;
  /** Bytes of host memory one node may use for offloaded state (shared by its gpusPerNode processes). */
  hostCapacity: number;
  gpusPerNode: number;
  nodes: number;
  /** Dotted path of this stage's sequence-length knob (stages.sft.maxSeqLen, agent.contextTokens). */
  seqLenPath: string;
  /** Most nodes a suggestion may ask for. */
  maxNodes?: number;
  /** LoRA rank to suggest when LoRA is off. */
  loraRank?: number;
}

export function jobFits(j: JobShape, ctx: Pick<FitContext, 'capacity' | 'hostCapacity' | 'gpusPerNode'>): boolean {
  const e = estimateMemory(j);
  return e.total <= ctx.capacity && e.host * Math.min(ctx.gpusPerNode, j.gpus) <= ctx.hostCapacity;
}

function knobs(ctx: FitContext): Knob[] {
  const flag = (path: string, key: 'gradientCheckpointing' | 'offloadActivations' | 'cpuOffload'): Knob => ({
    path,
    apply: (j) => (j[key] ? undefined : { job: { ...j, [key]: true }, value: true }),
  });
  return [
    flag('training.gradientCheckpointing', 'gradientCheckpointing'),
    {
      path: 'training.microBatchSize',
      apply: (j) => (j.microBatch > 1 ? { job: { ...j, microBatch: 1 }, value: 1 } : undefined),
    },
    flag('training.offloadActivations', 'offloadActivations'),
    flag('training.cpuOffload', 'cpuOffload'),
    {
      path: 'training.lora.enabled',
      apply: (j) => (j.loraRank > 0 ? undefined : { job: { ...j, loraRank: ctx.loraRank ?? 64 }, value: true }),
    },
    {
      path: 'training.nodes',
      apply: (j) => {
        for (let n = ctx.nodes + 1; n <= (ctx.maxNodes ?? 64); n++) {
          const job = { ...j, gpus: n * ctx.gpusPerNode };
          if (jobFits(job, ctx)) return { job, value: n };
        }
        return undefined;
      },
    },
    {
      path: ctx.seqLenPath,
      apply: (j) => {
        // The longest power-of-two multiple of 1024 below the current length that fits.
        for (let len = 2 ** Math.floor(Math.log2(j.seqLen - 1)); len >= 1024; len /= 2) {
          const job = { ...j, seqLen: len };
          if (jobFits(job, ctx)) return { job, value: len };
        }
        return undefined;
      },
    },
  ];
}

/** undefined when the job already fits; otherwise the smallest set of changes found (empty: nothing helps). */
export function suggestFix(job: JobShape, ctx: FitContext): KnobChange[] | undefined {
  if (jobFits(job, ctx)) return undefined;
  const all = knobs(ctx);
  for (const k of all) {
    const r = k.apply(job);
    if (r && jobFits(r.job, ctx)) return [{ path: k.path, value: r.value }];
  }
  let j = job;
  const changes: KnobChange[] = [];
  for (const k of all) {
    const r = k.apply(j);
    if (!r) continue;
    j = r.job;
    changes.push({ path: k.path, value: r.value });
    if (jobFits(j, ctx)) return changes;
  }
  return [];
}

export function describeFix(changes: KnobChange[]): string {
  if (changes.length === 0) return 'no setting of the training knobs fits; use GPUs with more memory';
  return `set ${changes.map((c) => `${c.path}: ${c.value}`).join(' and ')}`;
}
