// One command in a running container: Docker's exec API, the multiplexed stream read into a head+tail buffer,
// an in-container `timeout` that kills the whole process group, and a host-side watchdog for when even that
// does not end the stream (a wedged engine, a process that escaped its group while holding stdout).
import type Docker from 'dockerode';
import { CappedBuffer } from '../core/outputCap.ts';
import { InfraError } from '../core/errors.ts';

export interface ExecResult {
  output: string;
  exitCode: number;
  timedOut: boolean;
  truncatedBytes: number;
  /** True when the host had to give up on the exec (the stream did not end after the kill): an infra problem. */
  abandoned?: boolean;
}

export interface RawExecOptions {
  cmd: string;
  timeoutSec: number;
  outputCapBytes: number;
  user?: string;
  workdir: string;
  env?: Record<string, string>;
  login: boolean;
  stdinPath?: string;
  /** Where the wrapper records its pid (= its process group) for the watchdog. */
  pidFile: string;
}

/** Seconds after SIGTERM before `timeout` sends SIGKILL to the group. */
const KILL_AFTER_SEC = 3;
/** Extra time the host waits past the in-container timeout before it kills from outside. */
const WATCHDOG_GRACE_MS = (KILL_AFTER_SEC + 7) * 1000;

// timeout puts itself (pid = $pg) in its own process group and signals the whole group on expiry. When the
// main command dies of the TERM, timeout returns at once, so a child that ignores TERM would outlive it: the
// wrapper then SIGKILLs the group itself. Exit 124 / 137 once the time is up mean the timeout fired.
const WRAPPER = [
  'exec 2>&1',
  'start=$SECONDS',
  'timeout -k "$SF_KILL_AFTER" -s TERM "$SF_TIMEOUT" ' +
    'env -u SF_PIDFILE -u SF_STDIN -u SF_KILL_AFTER -u SF_TIMEOUT -u SF_CMD -u SF_SHELL_FLAGS ' +
    // An explicit stdin: a background job's would otherwise be /dev/null.
    'bash $SF_SHELL_FLAGS "$SF_CMD" < "${SF_STDIN:-/dev/null}" &',
  'pg=$!',
  '{ echo $pg > "$SF_PIDFILE"; } 2>/dev/null',
  'wait $pg',
  'rc=$?',
  'if { [ $rc -eq 124 ] || [ $rc -eq 137 ]; } && [ $((SECONDS - start)) -ge "$SF_TIMEOUT" ]; then kill -KILL -- -$pg 2>/dev/null; fi',
  'exit $rc',
].join('\n');

export function wrapperCmd(o: RawExecOptions): { Cmd: string[]; Env: string[] } {
  const env = {
    ...o.env,
    SF_PIDFILE: o.pidFile,
    SF_STDIN: o.stdinPath ?? '',
    SF_KILL_AFTER: String(KILL_AFTER_SEC),
    SF_TIMEOUT: String(o.timeoutSec),
    SF_CMD: o.cmd,
    SF_SHELL_FLAGS: o.login ? '-lc' : '-c',
  };
  return { Cmd: ['bash', '-c', WRAPPER], Env: Object.entries(env).map(([k, v]) => `${k}=${v}`) };
}

/** Splits Docker's multiplexed stream (8-byte frame headers) into one interleaved sink. */
export function demux(sink: (b: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      sink(pending.subarray(8, 8 + size));
      pending = pending.subarray(8 + size);
    }
  };
}

export async function runExec(
  docker: Docker,
  containerId: string,
  o: RawExecOptions,
  killGroup: () => Promise<void>,
): Promise<ExecResult> {
  const container = docker.getContainer(containerId);
  const { Cmd, Env } = wrapperCmd(o);
  const buf = new CappedBuffer(o.outputCapBytes);
  const started = Date.now();
  let exec: Docker.Exec;
  let stream: NodeJS.ReadableStream & { destroy?: () => void };
  try {
    exec = await container.exec({
      Cmd,
      Env,
      User: o.user,
      WorkingDir: o.workdir,
      AttachStdout: true,
      AttachStderr: true,
    });
    stream = (await exec.start({ hijack: true, stdin: false })) as typeof stream;
  } catch (err) {
    throw new InfraError(`exec in container ${containerId.slice(0, 12)} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const abandoned = await new Promise<boolean>((resolve, reject) => {
    const onData = demux((b) => buf.push(b));
    let giveUp: NodeJS.Timeout | undefined;
    // Past the in-container timeout and its kill grace: kill the group from outside, then stop waiting.
    const watchdog = setTimeout(
      () => {
        void killGroup().catch(() => undefined);
        giveUp = setTimeout(() => {
          stream.destroy?.();
          done(undefined, true);
        }, WATCHDOG_GRACE_MS);
      },
      o.timeoutSec * 1000 + WATCHDOG_GRACE_MS,
    );
    const done = (err?: Error, gaveUp = false) => {
      clearTimeout(watchdog);
      clearTimeout(giveUp);
      stream.removeAllListeners('data');
      if (err)
        reject(new InfraError(`exec stream in ${containerId.slice(0, 12)} broke: ${err.message}`, { cause: err }));
      else resolve(gaveUp);
    };
    stream.on('data', (c: Buffer) => onData(c));
    stream.once('end', () => done());
    stream.once('close', () => done());
    stream.once('error', (e: Error) => done(e));
  });
  if (abandoned) {
    return { output: buf.toString(), exitCode: -1, timedOut: true, truncatedBytes: buf.truncatedBytes, abandoned };
  }
  let exitCode: number | null;
  try {
    exitCode = (await exec.inspect()).ExitCode;
  } catch (err) {
    throw new InfraError(`exec in container ${containerId.slice(0, 12)} vanished: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (exitCode === null) throw new InfraError(`exec in container ${containerId.slice(0, 12)} has no exit code`);
  // 124 / 137 alone could be the command's own exit (or an OOM kill): only count them once the time is up.
  const timedOut = (exitCode === 124 || exitCode === 137) && Date.now() - started >= o.timeoutSec * 1000 - 50;
  return { output: buf.toString(), exitCode, timedOut, truncatedBytes: buf.truncatedBytes };
}
