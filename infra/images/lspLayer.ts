// The lsp tool's layer (infra/images/lsp-layer.sh): its tarball, built on the host with pip when missing from the
// cache, and its key (the label org.swe-forge.lsp of the images that carry it).
import { execFile } from 'node:child_process';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { InfraError } from '../../core/errors.ts';

const SCRIPT = join(import.meta.dirname, 'lsp-layer.sh');
export const LSP_LABEL = 'org.swe-forge.lsp';

export interface LspLayer {
  key: string;
  tarball: string;
}

export async function lspLayer(): Promise<LspLayer> {
  try {
    const { stdout } = await promisify(execFile)('bash', [SCRIPT], { maxBuffer: 1 << 20, timeout: 600_000 });
    const tarball = stdout.trim().split('\n').pop() ?? '';
    const key = /^lsp-([0-9a-f]+)\.tar$/.exec(basename(tarball))?.[1];
    if (!key) throw new Error(`unexpected output: ${stdout.trim().slice(-200)}`);
    return { key, tarball };
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new InfraError(`the lsp layer (${SCRIPT}) could not be built: ${e.stderr?.trim() || e.message}`, {
      cause: err,
    });
  }
}
