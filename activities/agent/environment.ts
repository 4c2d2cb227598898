// The Environment protocol over the harness's Sandbox: one container per rollout, every action an independent
// exec. Writes go through `cat > file` so an existing file keeps its owner and mode (a putArchive would reset
// them and a lost executable bit would show up in the diff).
import { posix } from 'node:path';
import type Docker from 'dockerode';
import { InfraError } from '../../core/errors.ts';
import { Sandbox, type SandboxOptions } from '../../infra/sandbox.ts';
import type { SandboxConfig } from '../../contracts/rollout.ts';
import { shellQuote } from './fileEditorTool.ts';
import {
  DiffUnavailableError,
  FileTooLargeError,
  FileWriteError,
  NotAFileError,
  type EnvExecResult,
  type Environment,
} from './protocols.ts';

export const REPO_DIR = '/testbed';
/** Files the editor loads into the worker's memory: larger ones are for bash. */
export const MAX_EDITOR_FILE_BYTES = 8 * 1024 * 1024;
const PATCH_FILE = '/tmp/.swe-forge-answer.patch';
/**
 * How a model's command runs. Each action is independent, so nothing it starts may outlive it: a fork bomb that
 * backgrounds itself (`:(){ :|:& };:` returns at once) would otherwise hold every pid of the container and lock
 * out all later execs. With `set -m` the command runs as a job in its own process group; when it returns (or the
 * exec's timeout TERMs this shell) that whole group gets SIGKILL. KILL, because bash blocks TERM while it retries
 * a fork, and the child of such a fork survives a TERM to its parent. `kill` and `wait` are builtins, so this
 * works with the pid limit exhausted. Job notices go to the wrapper's stderr, which is dropped once the job has
 * its own copy. The command travels in an env var, never spliced into shell text.
 */
export const ACTION_WRAPPER =
  "__sf_c=$SF_ACTION; unset SF_ACTION; trap 'kill -KILL -- -$__sf_p 2>/dev/null; exit 124' TERM; set -m; " +
  '{ eval "$__sf_c"; } <&0 & __sf_p=$!; exec 2>/dev/null; wait $__sf_p; __sf_rc=$?; kill -KILL -- -$__sf_p; exit $__sf_rc';

/** Bookkeeping execs (diff, mkdir) are ours, not the model's: generous limits. */
const HOUSEKEEPING = { timeoutSec: 120, outputCapBytes: 64 * 1024 };

export interface StartEnvironmentInput {
  image: string;
  sandbox: Pick<SandboxConfig, 'memoryMb' | 'pidsLimit' | 'cpuShares' | 'network'> & Partial<SandboxConfig>;
  labels: SandboxOptions['labels'];
  baseCommit: string;
  user?: string;
}

/** One container spec for a fresh sandbox and for one adopted after a worker died (mid-episode resume). */
function sandboxSpec(i: StartEnvironmentInput): SandboxOptions {
  const { memoryMb, pidsLimit, cpuShares, network } = i.sandbox;
  const diskGb = i.sandbox.containerDiskGb;
  return {
    image: i.image,
    labels: i.labels,
    memoryMb,
    pidsLimit,
    cpuShares,
    network,
    user: i.user,
    workdir: REPO_DIR,
    diskGb,
  };
}

export class SandboxEnvironment implements Environment {
  readonly workdir = REPO_DIR;
  private removal: Promise<void> | undefined;

  private constructor(
    private readonly docker: Docker,
    private readonly sandbox: Sandbox,
    private readonly baseCommit: string,
  ) {}

  static async start(docker: Docker, i: StartEnvironmentInput): Promise<SandboxEnvironment> {
    return new SandboxEnvironment(docker, await Sandbox.create(docker, sandboxSpec(i)), i.baseCommit);
  }

  /** The environment of a container that outlived its worker (mid-episode resume); options as at its start. */
  static attach(docker: Docker, id: string, i: StartEnvironmentInput): SandboxEnvironment {
    return new SandboxEnvironment(docker, Sandbox.attach(docker, id, sandboxSpec(i)), i.baseCommit);
  }

  get id(): string {
    return this.sandbox.id;
  }

  async exec(cmd: string, o: { timeoutSec: number; outputCapBytes: number }): Promise<EnvExecResult> {
    const r = await this.sandbox.exec(ACTION_WRAPPER, { ...o, env: { SF_ACTION: cmd } });
    // The host gave up on a stream that would not end even after the kill: the engine, not the model, is at fault.
    if (r.abandoned) throw new InfraError(`exec in ${this.id.slice(0, 12)} did not end after its timeout and kill`);
    return r;
  }

  /** Docker's stat of a path (a HEAD request, no exec): size, mode, symlink target; null when missing. */
  private async stat(path: string): Promise<{ size: number; mode: number; linkTarget: string } | null> {
    try {
      const res = (await this.docker.getContainer(this.id).infoArchive({ path })) as NodeJS.ReadableStream & {
        headers: Record<string, string>;
      };
      res.resume();
      return JSON.parse(Buffer.from(res.headers['x-docker-container-path-stat'] ?? '', 'base64').toString('utf8'));
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return null;
      throw new InfraError(`cannot stat ${path} in ${this.id.slice(0, 12)}: ${(err as Error).message}`, { cause: err });
    }
  }

  async readFile(path: string, followLinks = 4): Promise<Buffer | null> {
    const st = await this.stat(path);
    if (!st) return null;
    if (st.linkTarget && followLinks > 0)
      return this.readFile(posix.resolve(posix.dirname(path), st.linkTarget), followLinks - 1);
    // Go's os.FileMode: the top bit marks a directory, others devices, pipes, sockets.
    if (st.mode >>> 31 || st.mode & 0x0f000000) throw new NotAFileError(`${path} is not a regular file`);
    if (st.size > MAX_EDITOR_FILE_BYTES) {
      throw new FileTooLargeError(
        `${path} is ${st.size} bytes, over the editor's ${MAX_EDITOR_FILE_BYTES}-byte limit; use bash (head, sed -n)`,
      );
    }
    try {
      return await this.sandbox.readFile(path);
    } catch (err) {
      if (err instanceof InfraError) throw err;
      const msg = (err as Error).message;
      if (msg.startsWith('no such file')) return null;
      if (msg.startsWith('not a regular file')) throw new NotAFileError(`${path} is not a regular file`);
      throw err;
    }
  }

  async writeFile(path: string, content: string): Promise<void> {
    const dir = path.slice(0, path.lastIndexOf('/')) || '/';
    const r = await this.sandbox.exec(`mkdir -p ${shellQuote(dir)} && cat > ${shellQuote(path)}`, {
      ...HOUSEKEEPING,
      stdin: content,
    });
    if (r.exitCode !== 0) throw new FileWriteError(`cannot write ${path}: ${r.output.trim().slice(0, 500)}`);
  }

  async deleteFile(path: string): Promise<void> {
    await this.sandbox.exec(`rm -f ${shellQuote(path)}`, HOUSEKEEPING);
  }

  /**
   * `git add -A && git diff --cached --binary <base>`: new files included, binary-safe, written to a file and read
   * back. It stages into a copy of the index, so a lock or a broken index the agent left cannot stop it. A git
   * failure here is the agent's doing (it deleted .git, say): DiffUnavailableError, scored, never masked.
   */
  async diff(): Promise<string> {
    const idx = '/tmp/.swe-forge-answer.index';
    const cmd =
      `cp .git/index ${idx} 2>/dev/null || rm -f ${idx}; ` +
      `GIT_INDEX_FILE=${idx} git add -A && GIT_INDEX_FILE=${idx} git diff --cached --binary ${shellQuote(this.baseCommit)} > ${PATCH_FILE}`;
    const r = await this.sandbox.exec(cmd, HOUSEKEEPING);
    if (r.exitCode !== 0) throw new DiffUnavailableError(`cannot take the diff: ${r.output.trim().slice(0, 500)}`);
    const buf = await this.sandbox.readFile(PATCH_FILE);
    return buf.toString('utf8');
  }

  /**
   * One removal, however many callers: cancellation starts it (to stop the running command) and `finally` awaits
   * the same promise, so the activity only returns once the container is really gone (a second remove call
   * would get Docker's 409 "removal in progress" and return early).
   */
  remove(): Promise<void> {
    this.removal ??= this.sandbox.remove();
    return this.removal;
  }
}
