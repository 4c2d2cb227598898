// The container a rollout or an evaluation runs in: no network (unless asked), memory / pid limits, CPU shares,
// labels that let the reaper find orphans, exec with a timeout and an output cap, files in and out. Callers
// remove it in `finally`; the reaper catches what a crash leaves behind.
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { DOCKER_LABELS } from '../core/constants.ts';
import { InfraError } from '../core/errors.ts';
import { storageQuota } from './diskQuota.ts';
import { runExec, type ExecResult } from './sandboxExec.ts';
import { tarFiles, untarFirstFile } from './tar.ts';
import { maybeInjectCreateFault } from './sandboxFaults.ts';

export type { ExecResult } from './sandboxExec.ts';
export { setCreateFaultRate } from './sandboxFaults.ts';
export { reapOrphans } from './sandboxReaper.ts';

export interface SandboxOptions {
  image: string;
  labels: { run?: string; activity?: string; task?: string };
  memoryMb: number;
  pidsLimit: number;
  cpuShares: number;
  network: boolean;
  user?: string;
  /** Default /testbed. */
  workdir?: string;
  env?: Record<string, string>;
  /** Writable-layer quota, GB: applied where the storage driver supports it (infra/diskQuota.ts). */
  diskGb?: number;
}

export interface ExecOptions {
  timeoutSec?: number;
  outputCapBytes?: number;
  user?: string;
  stdin?: string;
  workdir?: string;
  env?: Record<string, string>;
  /**
   * Run `bash -lc` (default) or `bash -c`. A login shell reads /etc/profile, which on Debian resets PATH: the
   * harness turns it off so an image's own PATH (a conda env, a venv) stays in force.
   */
  login?: boolean;
}

export const DEFAULT_EXEC_TIMEOUT_SEC = 120;
export const DEFAULT_OUTPUT_CAP_BYTES = 1 << 20;
/** Bookkeeping files (pid, stdin) live in /tmp, which every user can write whatever the image. */
const STATE_PREFIX = '/tmp/.swe-forge-exec';

const labelValue = (v: string) => v.slice(0, 250);

export function sandboxLabels(o: SandboxOptions['labels'], kind = 'sandbox'): Record<string, string> {
  const labels: Record<string, string> = {
    [DOCKER_LABELS.managed]: 'true',
    [DOCKER_LABELS.kind]: kind,
    [DOCKER_LABELS.createdAt]: new Date().toISOString(),
  };
  if (o.run) labels[DOCKER_LABELS.run] = labelValue(o.run);
  if (o.activity) labels[DOCKER_LABELS.activity] = labelValue(o.activity);
  if (o.task) labels[DOCKER_LABELS.task] = labelValue(o.task);
  return labels;
}

/**
 * What every container of ours is created with — name, image, user, env, labels and the isolation (no network,
 * memory without swap, pid limit, CPU shares, no-new-privileges) — so the idle sandbox and the one-shot
 * evaluation run cannot drift apart on limits.
 */
export function containerSpec(o: SandboxOptions, kind: string, entrypoint: string[]): Docker.ContainerCreateOptions {
  const stem = (o.labels.task ?? kind).replace(/[^a-zA-Z0-9_.-]+/g, '_').slice(0, 60);
  return {
    name: `swe-forge-${stem}-${randomBytes(4).toString('hex')}`,
    Image: o.image,
    Entrypoint: entrypoint,
    Cmd: [],
    User: o.user,
    WorkingDir: o.workdir ?? '/testbed',
    Env: Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Labels: sandboxLabels(o.labels, kind),
    NetworkDisabled: !o.network,
    HostConfig: {
      NetworkMode: o.network ? 'bridge' : 'none',
      Memory: o.memoryMb * 1024 * 1024,
      MemorySwap: o.memoryMb * 1024 * 1024,
      PidsLimit: o.pidsLimit,
      CpuShares: o.cpuShares,
      SecurityOpt: ['no-new-privileges'],
    },
  };
}

export class Sandbox {
  private execSeq = 0;
  private removed = false;

  private constructor(
    private readonly docker: Docker,
    readonly id: string,
    private readonly o: SandboxOptions,
  ) {}

  /** Creates and starts the container. Throws InfraError when the engine is down or the container cannot start. */
  static async create(docker: Docker, o: SandboxOptions): Promise<Sandbox> {
    maybeInjectCreateFault();
    let container: Docker.Container;
    try {
      // Images may bring an entrypoint (published SWE-bench images do not, others might): ours idles. As pid 1
      // it is immune to `pkill sleep` / `kill -9 -1` from inside (the kernel shields init), and bash reaps the
      // orphans that killed process groups leave behind, so zombies never eat the pid limit.
      const spec = containerSpec(o, 'sandbox', ['bash', '-c', 'while :; do sleep 3600 & wait $!; done']);
      const quota = await storageQuota(docker, o.diskGb);
      container = await docker.createContainer({ ...spec, HostConfig: { ...spec.HostConfig, ...quota, Init: false } });
    } catch (err) {
      throw new InfraError(`cannot create a container from ${o.image}: ${(err as Error).message}`, { cause: err });
    }
    try {
      await container.start();
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined);
      throw new InfraError(`container from ${o.image} failed to start: ${(err as Error).message}`, { cause: err });
    }
    return new Sandbox(docker, container.id, o);
  }

  /**
   * A handle on a running container this process did not create: the one a dead worker's rollout ran in. Its exec
   * bookkeeping files start at a fresh number, so they cannot collide with the dead worker's.
   */
  static attach(docker: Docker, id: string, o: SandboxOptions): Sandbox {
    const s = new Sandbox(docker, id, o);
    s.execSeq = Date.now() % 1e9;
    return s;
  }

  /** `bash -lc cmd`; on timeout the whole process group is killed and timedOut is set. */
  async exec(cmd: string, o: ExecOptions = {}): Promise<ExecResult> {
    const seq = ++this.execSeq;
    const pidFile = `${STATE_PREFIX}-${seq}.pid`;
    let stdinPath: string | undefined;
    if (o.stdin !== undefined) {
      stdinPath = `${STATE_PREFIX}-${seq}.stdin`;
      await this.writeFile(stdinPath, o.stdin);
    }
    const timeoutSec = o.timeoutSec ?? DEFAULT_EXEC_TIMEOUT_SEC;
    return runExec(
      this.docker,
      this.id,
      {
        cmd,
        timeoutSec,
        outputCapBytes: o.outputCapBytes ?? DEFAULT_OUTPUT_CAP_BYTES,
        user: o.user ?? this.o.user,
        workdir: o.workdir ?? this.o.workdir ?? '/testbed',
        env: o.env,
        login: o.login ?? true,
        stdinPath,
        pidFile,
      },
      () => this.killGroup(pidFile),
    );
  }

  /** The watchdog's way in: a root exec that SIGKILLs the recorded process group. */
  private async killGroup(pidFile: string): Promise<void> {
    const exec = await this.docker.getContainer(this.id).exec({
      Cmd: ['sh', '-c', `p=$(cat ${pidFile} 2>/dev/null) && kill -KILL -- -"$p" "$p"`],
      User: 'root',
    });
    await exec.start({ Detach: true });
  }

  /** Via putArchive. Owner root and mode 0666 unless given, so a non-root sandbox user can still edit it. */
  async writeFile(
    path: string,
    content: string | Buffer,
    o: { mode?: number; uid?: number; gid?: number } = {},
  ): Promise<void> {
    await this.writeFiles([{ path, content, ...o }]);
  }

  /** Several files in one round trip (one archive); missing parent directories are created. */
  async writeFiles(
    files: { path: string; content: string | Buffer; mode?: number; uid?: number; gid?: number }[],
  ): Promise<void> {
    // The archive is relative to `/`, so absolute paths land where they say.
    const tar = tarFiles(
      files.map((f) => ({
        name: f.path.replace(/^\/+/, ''),
        content: typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : f.content,
        mode: f.mode ?? 0o666,
        uid: f.uid,
        gid: f.gid,
      })),
    );
    try {
      await this.docker.getContainer(this.id).putArchive(tar, { path: '/' });
    } catch (err) {
      const what = files.map((f) => f.path).join(', ');
      throw new InfraError(`cannot write ${what} in ${this.id.slice(0, 12)}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  async readFile(path: string): Promise<Buffer> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.getContainer(this.id).getArchive({ path });
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 404) throw new Error(`no such file in sandbox: ${path}`);
      throw new InfraError(`cannot read ${path} from ${this.id.slice(0, 12)}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const file = untarFirstFile(Buffer.concat(chunks));
    if (!file || file.type === '5') throw new Error(`not a regular file in sandbox: ${path}`);
    return file.content;
  }

  /** Idempotent; force-removes (kills) the container. A container already gone is fine. */
  async remove(): Promise<void> {
    if (this.removed) return;
    try {
      await this.docker.getContainer(this.id).remove({ force: true, v: true });
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 409) {
        throw new InfraError(`cannot remove container ${this.id.slice(0, 12)}: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
    this.removed = true;
  }
}
