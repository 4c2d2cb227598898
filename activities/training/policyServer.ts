// Policy serving for rollouts: one OpenAI-compatible server per served name per worker process, (re)started when
// the checkpoint changes. CPU workers run llama.cpp (trainer `serve-llama`: the checkpoint converted to GGUF, a prefix
// cache, sampled token ids and log-probs); CUDA workers run vLLM (SWE_FORGE_VLLM_CMD). `trainer` keeps the old
// transformers `serve` (SWE_FORGE_POLICY_SERVER=trainer).
// Servers outlive the activity that started them (rollouts use them) and die with the worker process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Context, log } from '@temporalio/activity';
import type { PolicyServerInput, PolicyServerRef } from '../../contracts/gpu.ts';
import { freePort } from '../../infra/net.ts';
import { resolveModel } from './baseModels.ts';
import { loraChain } from './loraChain.ts';
import { classifyExit } from './failures.ts';
import { policyServerArgv, trainerArgv, trainerEnv, withParentDeathSignal, type TrainerCommand } from './launch.ts';
import { startProcess, type ProcessHandle } from './processes.ts';
import type { RunnerDeps } from './runner.ts';
import { serveTrainerConfig } from './trainerConfig.ts';

interface Served {
  /** The checkpoint answering now; `base` is the one the process loaded (they differ after an in-place swap). */
  checkpoint: string;
  base: string;
  engine: 'llama' | 'trainer' | 'vllm';
  /** The name the engine serves (and echoes in each completion's `model`). */
  model: string;
  handle: ProcessHandle;
  baseUrl: string;
}

export function createPolicyServerActivities(deps: RunnerDeps) {
  const { settings, env } = deps;
  const servers = new Map<string, Served>();
  const queues = new Map<string, Promise<unknown>>();
  const advertised = env.advertiseHost ?? (env.serveHost === '0.0.0.0' ? hostname() : env.serveHost);

  /** Calls for one served name run one at a time, so two rollouts never start two servers for it. */
  function oneAtATime<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const next = (queues.get(name) ?? Promise.resolve()).catch(() => undefined).then(fn);
    queues.set(name, next);
    return next;
  }

  /** Resolves with `ready()`'s value; fails when the process exits first, the activity is cancelled, or time runs out. */
  async function untilReady(what: string, handle: ProcessHandle, ready: Promise<string>): Promise<string> {
    const ctx = Context.current();
    const timer = setInterval(() => ctx.heartbeat({ starting: what, pid: handle.pid }), env.heartbeatMs);
    let timeout: NodeJS.Timeout | undefined;
    const exitedEarly = handle.exited.then((r) => {
      throw classifyExit(`${what} (before it was ready)`, r) ?? new Error(`${what} exited before it was ready`);
    });
    exitedEarly.catch(() => undefined); // a server that exits long after it was ready is no error of this call
    try {
      return await Promise.race([
        ready,
        exitedEarly,
        ctx.cancelled,
        new Promise<never>((_, reject) => {
          timeout = setTimeout(
            () => reject(new Error(`${what}: not ready after ${env.readyTimeoutMs} ms`)),
            env.readyTimeoutMs,
          );
        }),
      ]);
    } catch (err) {
      await handle.stop(env.killGraceMs);
      throw err;
    } finally {
      clearInterval(timer);
      clearTimeout(timeout);
    }
  }

  async function startTrainerServe(i: PolicyServerInput, command: TrainerCommand): Promise<Served> {
    // The server reads its config once at start-up, so the file goes as soon as the server is up (or gave up).
    const dir = mkdtempSync(join(tmpdir(), 'swe-forge-serve-'));
    const configPath = join(dir, 'serve.json');
    // The engine serves the checkpoint under its id, so a rollout can ask which weights answered (policy_version).
    const config = serveTrainerConfig({ ...i, servedName: i.modelName ?? i.servedName, host: env.serveHost });
    if (command === 'serve-llama') config.dtype = env.llamaDtype;
    writeFileSync(configPath, JSON.stringify(config));
    let listening: (url: string) => void = () => undefined;
    const ready = new Promise<string>((r) => (listening = r));
    const handle = startProcess(
      {
        argv: withParentDeathSignal(
          settings.pythonBin,
          trainerArgv({ pythonBin: settings.pythonBin, command, configPath, gpus: 0 }),
        ),
        env: trainerEnv(settings.repoRoot),
        cwd: settings.repoRoot,
        onEvent: (e) => {
          if (e.event !== 'listening' || typeof e.url !== 'string') return;
          log.info(`policy server ${i.servedName}: ${command} listening`, { ...e, checkpoint: i.checkpoint });
          listening(e.url);
        },
        onStderr: (line) => log.debug(line, { server: i.servedName }),
      },
      deps.children,
    );
    const url = new URL(
      await untilReady(`trainer ${command} ${i.servedName}`, handle, ready).finally(() =>
        rmSync(dir, { recursive: true, force: true }),
      ),
    );
    url.hostname = advertised;
    return {
      checkpoint: i.checkpoint,
      base: i.checkpoint,
      engine: command === 'serve-llama' ? 'llama' : 'trainer',
      model: config.model_name as string,
      handle,
      baseUrl: url.toString().replace(/\/$/, ''),
    };
  }

  async function startVllm(i: PolicyServerInput): Promise<Served> {
    const port = await freePort();
    // Weight update on CUDA = restart from the new checkpoint, served under its id (docs/training.md).
    const name = i.modelName ?? i.servedName;
    const argv = policyServerArgv(env.vllmCmd, { checkpoint: i.checkpoint, name, port });
    const handle = startProcess(
      {
        argv: withParentDeathSignal(settings.pythonBin, argv),
        env: process.env,
        onStderr: (line) => log.debug(line, { server: i.servedName }),
      },
      deps.children,
    );
    log.info(`policy server ${i.servedName}: ${argv.join(' ')}`, { pid: handle.pid });
    const ready = (async () => {
      // vLLM has no event protocol: it is ready when its model list names the checkpoint it was started with.
      for (;;) {
        const ok = await fetch(`http://127.0.0.1:${port}/v1/models`).then(
          async (r) => r.ok && ((await r.json()) as { data?: { id?: string }[] }).data?.some((m) => m.id === name),
          () => false,
        );
        if (ok) return `http://${advertised}:${port}/v1`;
        if (!handle.isRunning()) return new Promise<string>(() => undefined); // the exit branch reports it
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    const baseUrl = await untilReady(`vLLM ${i.servedName}`, handle, ready);
    return { checkpoint: i.checkpoint, base: i.checkpoint, engine: 'vllm', model: name, handle, baseUrl };
  }

  /**
   * The new checkpoint into the running CPU engine without a restart, when it is the engine's base plus LoRA
   * adapters (loraChain): the engine converts each adapter (KBs to MBs) and applies them to the loaded weights.
   * False when that path does not apply or the engine refused (the caller restarts).
   */
  async function swapInPlace(current: Served, i: PolicyServerInput): Promise<boolean> {
    if (!env.inPlaceSwap || current.engine !== 'llama' || !current.handle.isRunning()) return false;
    const adapters = loraChain(current.base, i.checkpoint, env.maxAdapters);
    if (!adapters) return false;
    const started = Date.now();
    const name = i.modelName ?? i.servedName;
    try {
      const res = await fetch(`${current.baseUrl}/swe-forge/adapters`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ model_name: name, adapters }),
      });
      const body = (await res.json()) as { model?: string; error?: { message?: string } };
      if (!res.ok || body.model !== name) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
      Object.assign(current, { checkpoint: i.checkpoint, model: body.model });
      log.info(`policy server ${i.servedName} ready`, {
        swap: 'in-place',
        swapMs: Date.now() - started,
        adapters: adapters.length,
        baseUrl: current.baseUrl,
        pid: current.handle.pid,
        checkpoint: i.checkpoint,
      });
      return true;
    } catch (err) {
      log.warn(`policy server ${i.servedName}: in-place swap refused, restarting`, { error: String(err) });
      return false;
    }
  }

  async function stop(name: string): Promise<void> {
    const s = servers.get(name);
    if (!s) return;
    servers.delete(name);
    await s.handle.stop(env.killGraceMs);
    log.info(`policy server ${name} stopped`, { pid: s.handle.pid, checkpoint: s.checkpoint });
  }

  return {
    async ensurePolicyServer(i: PolicyServerInput): Promise<PolicyServerRef> {
      return oneAtATime(i.servedName, async () => {
        i = { ...i, checkpoint: await resolveModel(deps, i.checkpoint, (p) => p) };
        const current = servers.get(i.servedName);
        const ref = (s: Served, swap: PolicyServerRef['swap']) => ({
          baseUrl: s.baseUrl,
          pid: s.handle.pid,
          model: s.model,
          swap,
        });
        if (current && current.checkpoint === i.checkpoint && current.handle.isRunning()) return ref(current, 'same');
        if (current && (await swapInPlace(current, i))) return ref(current, 'in-place');
        if (i.inPlaceOnly) {
          if (!current?.handle.isRunning()) throw new Error(`policy server ${i.servedName} is not running`);
          return ref(current, 'none');
        }
        const swapStarted = Date.now(); // weight swap = old server down + new one answering (docs/training.md)
        await stop(i.servedName);
        const useVllm = env.policyServer === 'vllm' || (env.policyServer === 'auto' && (await deps.gpus()) > 0);
        const served = await (useVllm
          ? startVllm(i)
          : startTrainerServe(i, env.policyServer === 'trainer' ? 'serve' : 'serve-llama'));
        servers.set(i.servedName, served);
        log.info(`policy server ${i.servedName} ready`, {
          swap: 'restart',
          swapMs: Date.now() - swapStarted,
          baseUrl: served.baseUrl,
          pid: served.handle.pid,
          checkpoint: i.checkpoint,
        });
        return ref(served, 'restart');
      });
    },

    async stopPolicyServer(i: { servedName: string }): Promise<void> {
      await oneAtATime(i.servedName, () => stop(i.servedName));
    },
  };
}
