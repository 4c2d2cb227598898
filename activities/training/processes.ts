// Child processes of the gpu worker (trainer runs, policy servers): started in their own process group so one
// signal reaches torchrun and every rank, their stdout read as JSON-lines events, the tail of stderr kept for
// error messages, and all of them signalled when the worker process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ProcessEvent {
  event: string;
  [field: string]: unknown;
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The trainer's final `done` event, if it got that far. */
  done?: ProcessEvent;
  /** The last `error` event (kind: bad_input | cuda_oom | internal). */
  error?: ProcessEvent;
  stderrTail: string[];
}

export interface ProcessHandle {
  pid: number;
  exited: Promise<ProcessResult>;
  /** SIGTERM the group, SIGKILL it after graceMs; resolves when the process has exited. */
  stop(graceMs: number): Promise<ProcessResult>;
  isRunning(): boolean;
}

export interface StartOptions {
  argv: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  onEvent?: (e: ProcessEvent) => void;
  onStderr?: (line: string) => void;
  /** Lines of stderr kept for error messages. */
  tailLines?: number;
}

/** Signals the whole group (torchrun and its ranks); falls back to the pid when the group is already gone. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
      return;
    } catch {
      // ESRCH: not there (any more); try the next form
    }
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live children of one worker process. Owned by the activity factory, not a module-level singleton. */
export function createChildRegistry() {
  const live = new Set<ChildProcess>();
  // SIGTERM, not SIGKILL: an orphaned trainer then saves a checkpoint before it exits, and a retry resumes from it.
  const onExit = () => live.forEach((c) => c.pid && killGroup(c.pid, 'SIGTERM'));
  return {
    add(child: ChildProcess): void {
      if (live.size === 0) process.on('exit', onExit);
      live.add(child);
      const remove = () => {
        live.delete(child);
        if (live.size === 0) process.off('exit', onExit);
      };
      child.once('exit', remove);
      child.once('error', remove);
    },
    size: () => live.size,
  };
}
export type ChildRegistry = ReturnType<typeof createChildRegistry>;

/** Reads one stdout line of a trainer: a JSON event (kept in `result` when done/error) or a stray print. */
export function eventLineReader(
  result: ProcessResult,
  keep: (line: string) => void,
  onEvent?: (e: ProcessEvent) => void,
) {
  return (line: string): void => {
    let e: ProcessEvent | undefined;
    try {
      const parsed: unknown = JSON.parse(line);
      if (parsed && typeof parsed === 'object' && typeof (parsed as ProcessEvent).event === 'string')
        e = parsed as ProcessEvent;
    } catch {
      // not an event: a stray print; keep it with stderr, where a human will look
    }
    if (!e) return keep(`stdout: ${line}`);
    if (e.event === 'done') result.done = e;
    if (e.event === 'error') result.error = e;
    onEvent?.(e);
  };
}

export function startProcess(o: StartOptions, registry: ChildRegistry): ProcessHandle {
  const [file, ...args] = o.argv;
  if (!file) throw new Error('startProcess: empty argv');
  const child = spawn(file, args, { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const tailLines = o.tailLines ?? 50;
  const result: ProcessResult = { code: null, signal: null, stderrTail: [] };
  let running = true;
  const keep = (line: string) => {
    result.stderrTail.push(line);
    if (result.stderrTail.length > tailLines) result.stderrTail.shift();
  };

  createInterface({ input: child.stdout! }).on('line', eventLineReader(result, keep, o.onEvent));
  createInterface({ input: child.stderr! }).on('line', (line) => {
    keep(line);
    o.onStderr?.(line);
  });

  const exited = new Promise<ProcessResult>((resolveExit) => {
    child.once('error', (err) => {
      // spawn failed (no such binary): there will be no 'close' with a code
      keep(`spawn ${file}: ${err.message}`);
      running = false;
      resolveExit({ ...result, code: 127 });
    });
    child.once('close', (code, signal) => {
      running = false;
      resolveExit(Object.assign(result, { code, signal }));
    });
  });
  registry.add(child);

  return {
    pid: child.pid ?? -1,
    exited,
    isRunning: () => running,
    async stop(graceMs) {
      if (!running || !child.pid) return exited;
      const pid = child.pid;
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
