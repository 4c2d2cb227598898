// A one-shot sandbox: `docker run -i --rm` through the API. The container's own process is the command, its
// input files arrive on stdin (a tar), and the engine removes it when it exits. This is what the harness uses:
// against an idle container + putArchive + exec + remove it saves three round trips per evaluation, and the
// engine still removes the container if this process dies mid-run (the command is bounded by its own timeout).
import type Docker from 'dockerode';
import { CappedBuffer } from '../core/outputCap.ts';
import { InfraError } from '../core/errors.ts';
import { storageQuota } from './diskQuota.ts';
import { containerSpec, type SandboxOptions } from './sandbox.ts';
import { demux, type ExecResult } from './sandboxExec.ts';
import { maybeInjectCreateFault } from './sandboxFaults.ts';

export interface RunOnceOptions {
  /** bash -c script: the container's main process. */
  script: string;
  stdin?: Buffer;
  /** Past this the host kills the container: the result is abandoned (an infra problem, not the command's). */
  timeoutSec: number;
  outputCapBytes: number;
}

const status = (err: unknown) => (err as { statusCode?: number }).statusCode;

export async function runOnce(docker: Docker, o: SandboxOptions, run: RunOnceOptions): Promise<ExecResult> {
  maybeInjectCreateFault();
  const spec = containerSpec(o, 'run', ['bash', '-c', run.script]);
  const name = spec.name!;
  let container: Docker.Container;
  try {
    container = await docker.createContainer({
      ...spec,
      AttachStdin: !!run.stdin,
      AttachStdout: true,
      AttachStderr: true,
      OpenStdin: !!run.stdin,
      StdinOnce: true,
      HostConfig: { ...spec.HostConfig, ...(await storageQuota(docker, o.diskGb)), AutoRemove: true },
    });
  } catch (err) {
    throw new InfraError(`cannot create a container from ${o.image}: ${(err as Error).message}`, { cause: err });
  }
  const buf = new CappedBuffer(run.outputCapBytes);
  let removed = false;
  try {
    const stream = (await container.attach({
      stream: true,
      stdin: !!run.stdin,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as NodeJS.ReadWriteStream & { destroy?: () => void };
    // Asked for before start, as `docker run --rm` does, so the exit cannot slip past.
    const gone = container.wait({ condition: 'removed' }).then(
      (r: { StatusCode: number }) => r.StatusCode,
      (err: unknown) => (status(err) === 404 ? -1 : Promise.reject(err)),
    );
    gone.catch(() => undefined);
    const ended = new Promise<boolean>((resolve, reject) => {
      const onData = demux((b) => buf.push(b));
      const watchdog = setTimeout(() => {
        void container.kill().catch(() => undefined);
        stream.destroy?.();
        resolve(true);
      }, run.timeoutSec * 1000);
      const done = (err?: Error) => {
        clearTimeout(watchdog);
        if (err) reject(new InfraError(`output stream of ${name} broke: ${err.message}`, { cause: err }));
        else resolve(false);
      };
      stream.on('data', (c: Buffer) => onData(c));
      stream.once('end', () => done());
      stream.once('close', () => done());
      stream.once('error', (e: Error) => done(e));
    });
    try {
      await container.start();
    } catch (err) {
      throw new InfraError(`container from ${o.image} failed to start: ${(err as Error).message}`, { cause: err });
    }
    if (run.stdin) stream.end(run.stdin);
    const abandoned = await ended;
    if (abandoned) {
      return { output: buf.toString(), exitCode: -1, timedOut: true, truncatedBytes: buf.truncatedBytes, abandoned };
    }
    // The wait answers once the engine removed the container. If its connection died with the engine, it may
    // never answer: after a while, ask directly (that fails fast when the engine is gone).
    let exitCode = await Promise.race([
      gone,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000).unref()),
    ]).catch((err: Error) => {
      throw new InfraError(`lost the Docker engine while ${name} ran: ${err.message}`, { cause: err });
    });
    if (exitCode === undefined) {
      const info = await container.inspect().catch((err: unknown) => {
        if (status(err) === 404) return undefined; // removed meanwhile: it did exit
        throw new InfraError(`lost the Docker engine while ${name} ran: ${(err as Error).message}`, { cause: err });
      });
      if (info?.State.Running)
        throw new InfraError(`lost the Docker engine while ${name} ran: its output ended while it still runs`);
      exitCode = info?.State.ExitCode ?? -1;
    }
    removed = true;
    return { output: buf.toString(), exitCode, timedOut: false, truncatedBytes: buf.truncatedBytes };
  } finally {
    // Failing here (the engine went away) leaves an orphan that AutoRemove or the reaper takes care of.
    if (!removed) await container.remove({ force: true }).catch(() => undefined);
  }
}
