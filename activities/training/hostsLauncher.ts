// launcher torchrun-hosts: one torchrun agent per host of `training.hosts`, each started through the user's command
// template (ssh), all meeting in one c10d rendezvous on the first host. The activity sees them as one process:
// events from whichever host runs rank 0, one result, one stop. When one host's agent fails, the others are stopped
// too (they would otherwise wait in a collective for a rank that is gone).
import {
  startProcess,
  type ChildRegistry,
  type ProcessEvent,
  type ProcessHandle,
  type ProcessResult,
} from './processes.ts';
import { withParentDeathSignal } from './launch.ts';
import { hostArgv, hostShellCommand, type MultiNodeJob } from './multiNode.ts';

export interface HostsLaunch {
  job: MultiNodeJob;
  env: NodeJS.ProcessEnv;
  killGraceMs: number;
  onEvent: (e: ProcessEvent) => void;
  onStderr: (line: string, host: string) => void;
}

/** The result the activity classifies: a success only when every host succeeded; else the first host that failed. */
function combine(hosts: string[], results: ProcessResult[], firstFailed: number | undefined): ProcessResult {
  const done = results.find((r) => r.done)?.done;
  const error = results.find((r) => r.error)?.error;
  const stderrTail = results.flatMap((r, i) => r.stderrTail.map((l) => `[${hosts[i]}#${i}] ${l}`)).slice(-80);
  const base = firstFailed === undefined ? results[0]! : results[firstFailed]!;
  return { code: base.code, signal: base.signal, done, error, stderrTail };
}

const failed = (r: ProcessResult) => r.code !== 0 || r.signal !== null;

export function startOnHosts(o: HostsLaunch, registry: ChildRegistry): ProcessHandle & { hosts: string[] } {
  const hosts = o.job.training.hosts ?? [];
  const shell = hostShellCommand(o.job, o.env);
  const handles = hosts.map((host) =>
    startProcess(
      {
        // PDEATHSIG: if the worker dies, the ssh client gets SIGTERM and the remote agents lose their session,
        // instead of training on next to the retry in the same out dir.
        argv: withParentDeathSignal(o.job.pythonBin, hostArgv(o.job.training.hostCommand, host, shell)),
        env: o.env,
        cwd: o.job.repoRoot,
        onEvent: o.onEvent,
        onStderr: (line) => o.onStderr(line, host),
      },
      registry,
    ),
  );
  let firstFailed: number | undefined;
  handles.forEach((h, i) =>
    h.exited.then((r) => {
      if (!failed(r) || firstFailed !== undefined) return;
      firstFailed = i;
      for (const other of handles) if (other.isRunning()) void other.stop(o.killGraceMs);
    }),
  );
  const exited = Promise.all(handles.map((h) => h.exited)).then((rs) => combine(hosts, rs, firstFailed));
  return {
    hosts,
    pid: handles[0]?.pid ?? -1,
    exited,
    isRunning: () => handles.some((h) => h.isRunning()),
    async stop(graceMs) {
      await Promise.all(handles.map((h) => h.stop(graceMs)));
      return exited;
    },
  };
}
