// An onnxruntime-node session for the verifier graph: the CUDA execution provider when the worker has a GPU and
// the CUDA provider libraries are installed, else (or when CUDA fails to load) the CPU provider.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { InputError } from '../../core/errors.ts';

export type OnnxDevice = 'auto' | 'cpu' | 'cuda';

export interface OnnxSessionHandle {
  session: ort.InferenceSession;
  provider: 'cpu' | 'cuda';
  /** Why CUDA was not used when it was wanted (shown in logs and bench output). */
  fallbackReason?: string;
}

/** True when `nvidia-smi -L` lists at least one GPU. */
export function hasCudaDevice(): boolean {
  try {
    return /^GPU \d+:/m.test(
      execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }),
    );
  } catch {
    return false;
  }
}

export async function createOnnxSession(
  modelPath: string,
  o: { device?: OnnxDevice; threads?: number; memArena?: boolean } = {},
): Promise<OnnxSessionHandle> {
  if (!existsSync(modelPath))
    throw new InputError(`verifierDir: ${modelPath} not found; export the verifier with export-onnx`);
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    // onnxruntime's CPU arena keeps the largest batch's activations for the session's life. Batches are bounded by
    // rows × width² (scorer.ts) and idle sessions are released (activities/scoring/onnxSessions.ts), so that is one
    // bounded batch per loaded session. Without the arena memory is a third and scoring 2-3× slower
    // (bench/verifier-memory.ts).
    enableCpuMemArena: o.memArena ?? true,
    ...(o.threads ? { intraOpNumThreads: o.threads, interOpNumThreads: 1 } : {}),
  };
  const device = o.device ?? 'auto';
  let fallbackReason: string | undefined;
  if (device === 'cuda' || (device === 'auto' && hasCudaDevice())) {
    try {
      // logSeverityLevel 4 (fatal only): a missing provider library is expected on CPU installs and handled here.
      const session = await ort.InferenceSession.create(modelPath, {
        ...base,
        executionProviders: ['cuda'],
        logSeverityLevel: 4,
      });
      return { session, provider: 'cuda' };
    } catch (err) {
      fallbackReason = (err as Error).message.split('\n')[0];
      if (device === 'cuda')
        throw new InputError(`device 'cuda': the CUDA execution provider failed to load: ${fallbackReason}`);
    }
  }
  const session = await ort.InferenceSession.create(modelPath, { ...base, executionProviders: ['cpu'] });
  return { session, provider: 'cpu', fallbackReason };
}
