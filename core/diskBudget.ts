// The disk budget of task images (sandbox.diskBudgetGb), pure. Images we build share the base image's layers, so
// the footprint of a set is the base once plus each image's own layers. Eviction is least-recently-used among
// the images the current batch does not need; the current batch itself never gives way.

export interface ImageFootprint {
  taskId: string;
  image: string;
  /** Bytes of its own layers (above the shared base). */
  bytes: number;
  /** When work last needed it (ms since epoch); never: its build time. */
  lastUsed: number;
}

export const GB = 1e9;
export const gb = (bytes: number) => `${(bytes / GB).toFixed(3)} GB`;

export interface BatchNeed {
  /** Bytes the batch's images take (present ones measured, missing ones estimated). */
  bytes: number;
  missing: string[];
}

/** What the batch `taskIds` takes: measured where its image exists, `estimate` bytes per missing one. */
export function batchNeed(images: ImageFootprint[], taskIds: string[], estimate: number): BatchNeed {
  const byTask = new Map(images.map((i) => [i.taskId, i]));
  const missing = taskIds.filter((t) => !byTask.has(t));
  const present = taskIds.reduce((s, t) => s + (byTask.get(t)?.bytes ?? 0), 0);
  return { bytes: present + missing.length * estimate, missing };
}

/** Per-image estimate for one not built yet: the largest we have (a batch must not overrun on a guess). */
export function imageEstimate(images: ImageFootprint[]): number {
  return images.reduce((m, i) => Math.max(m, i.bytes), 0);
}

/**
 * The images to remove, oldest use first, so that `base + kept + incoming <= budget`; `keep` (the current
 * batch) is never chosen. `fits` is false when even removing every other image leaves too little.
 */
export function planEviction(o: {
  images: ImageFootprint[];
  keep: ReadonlySet<string>;
  baseBytes: number;
  incomingBytes: number;
  budgetBytes: number;
}): { remove: ImageFootprint[]; fits: boolean; afterBytes: number } {
  let total = o.baseBytes + o.incomingBytes + o.images.reduce((s, i) => s + i.bytes, 0);
  const candidates = o.images
    .filter((i) => !o.keep.has(i.taskId))
    .sort((a, b) => a.lastUsed - b.lastUsed || a.taskId.localeCompare(b.taskId));
  const remove: ImageFootprint[] = [];
  for (const c of candidates) {
    if (total <= o.budgetBytes) break;
    remove.push(c);
    total -= c.bytes;
  }
  return { remove, fits: total <= o.budgetBytes, afterBytes: total };
}
