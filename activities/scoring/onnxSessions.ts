// The orchestrator's loaded ONNX verifiers: one per export (dir + model.onnx time + device), shared by concurrent
// scoring activities and released once idle. Without the release every run's verifier (and baseline) stayed loaded
// for the life of the worker, each with onnxruntime's arena at its largest batch: a demo stack's orchestrator held
// 10.5 GB resident after its run (two sessions: the SWE-World verifier and its ORM baseline).
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../../core/errors.ts';
import type { OnnxDevice } from '../../infra/onnx/session.ts';
import { loadOnnxVerifier, type OnnxVerifier } from '../../infra/onnx/scorer.ts';

interface Entry {
  verifier: Promise<OnnxVerifier>;
  users: number;
  idle?: NodeJS.Timeout;
}

export class OnnxCache {
  private readonly entries = new Map<string, Entry>();
  /** How long an unused session stays loaded: scoring calls of one stage come seconds apart. */
  constructor(private readonly o: { idleMs?: number; load?: typeof loadOnnxVerifier } = {}) {}

  /** Sessions loaded now (tests and the bench read it). */
  get size(): number {
    return this.entries.size;
  }

  /** Runs `fn` with the export's verifier, loading it if needed; it is released `idleMs` after its last user. */
  async use<T>(dir: string, device: OnnxDevice | undefined, fn: (v: OnnxVerifier) => Promise<T>): Promise<T> {
    let stamp: number;
    try {
      stamp = statSync(resolve(dir, 'model.onnx')).mtimeMs;
    } catch {
      throw new InputError(`verifierDir: ${dir} has no model.onnx; export the verifier with export-onnx`);
    }
    const key = `${resolve(dir)}:${stamp}:${device ?? 'auto'}`;
    let e = this.entries.get(key);
    if (!e) {
      const created: Entry = { verifier: (this.o.load ?? loadOnnxVerifier)(dir, { device }), users: 0 };
      // A failed load is retried next time, not cached.
      created.verifier.catch(() => this.entries.get(key) === created && this.entries.delete(key));
      this.entries.set(key, created);
      e = created;
    }
    const entry = e;
    clearTimeout(entry.idle);
    entry.users++;
    try {
      return await fn(await entry.verifier);
    } finally {
      entry.users--;
      if (entry.users === 0 && this.entries.get(key) === entry) {
        entry.idle = setTimeout(() => this.drop(key, entry), this.o.idleMs ?? 60_000);
        entry.idle.unref(); // an idle session never keeps the process alive
      }
    }
  }

  /** Releases every session that no activity is using (worker shutdown, tests). */
  async releaseIdle(): Promise<void> {
    await Promise.all([...this.entries].filter(([, e]) => e.users === 0).map(([k, e]) => this.drop(k, e)));
  }

  private async drop(key: string, entry: Entry): Promise<void> {
    if (entry.users > 0 || this.entries.get(key) !== entry) return;
    clearTimeout(entry.idle);
    this.entries.delete(key);
    const v = await entry.verifier.catch(() => null);
    // Nothing waits on a release (it runs from a timer): a failure to free a session must not crash the worker.
    await v?.release().catch(() => undefined);
  }
}
