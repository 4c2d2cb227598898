// `npm run bench -- sandbox [execs] [starts]`: what the scaffold costs on top of Docker.
//  1. exec round trip: a raw dockerode exec of `bash -lc 'echo hi'` (stream read, exit code inspected) vs the
//     agent's `bash` tool running the same command (history guard, timeout wrapper, output cap, job-group cleanup).
//     The baseline uses a login shell because the tool's commands run in one (SWE-bench images activate their
//     environment in the profile); a plain `bash -c` exec is printed alongside so the shell's own cost shows.
//  2. container start: raw createContainer + start of the same container vs the rollout's SandboxEnvironment.start.
// Runs alternate (A, B, A, B, ...) so drift hits both sides; figures are medians. Target: each ratio <= 1.2.
import type Docker from 'dockerode';
import { SandboxEnvironment } from '../activities/agent/environment.ts';
import { createToolbox } from '../activities/agent/toolbox.ts';
import { DOCKER_LABELS } from '../core/constants.ts';
import { connectDocker } from '../infra/docker.ts';
import { BASE_IMAGE } from '../infra/images/taskImage.ts';

const TARGET = 1.2;
const SANDBOX = {
  memoryMb: 1024,
  pidsLimit: 512,
  cpuShares: 512,
  network: false,
  testTimeoutSec: 60,
  infraMaxAttempts: 1,
};
const LABELS = { [DOCKER_LABELS.managed]: 'true', [DOCKER_LABELS.kind]: 'bench', [DOCKER_LABELS.run]: 'bench-sandbox' };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number) => Math.round(x * 100) / 100;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function rawExec(container: Docker.Container, cmd: string, flags = '-lc'): Promise<string> {
  const exec = await container.exec({
    Cmd: ['bash', flags, cmd],
    AttachStdout: true,
    AttachStderr: true,
    WorkingDir: '/testbed',
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const { ExitCode } = await exec.inspect();
  if (ExitCode !== 0) throw new Error(`raw exec exited ${ExitCode}`);
  return Buffer.concat(chunks).subarray(8).toString();
}

/** The same container the Sandbox makes (idle pid 1, limits, no network), created and started with bare dockerode. */
async function rawStart(docker: Docker): Promise<Docker.Container> {
  const c = await docker.createContainer({
    Image: BASE_IMAGE,
    Entrypoint: ['bash', '-c', 'while :; do sleep 3600 & wait $!; done'],
    WorkingDir: '/testbed',
    Labels: LABELS,
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      Memory: SANDBOX.memoryMb << 20,
      MemorySwap: SANDBOX.memoryMb << 20,
      PidsLimit: SANDBOX.pidsLimit,
      CpuShares: SANDBOX.cpuShares,
      SecurityOpt: ['no-new-privileges'],
    },
  });
  await c.start();
  return c;
}

export default async function benchSandbox(args: string[]): Promise<void> {
  const execs = Number(args[0] ?? 40);
  const starts = Number(args[1] ?? 10);
  const docker = await connectDocker();
  const start = () =>
    SandboxEnvironment.start(docker, {
      image: BASE_IMAGE,
      sandbox: SANDBOX,
      labels: { run: 'bench-sandbox' },
      baseCommit: 'HEAD',
    });

  const env = await start();
  const raw = docker.getContainer(env.id);
  const toolbox = createToolbox(env, { commandTimeoutSec: 30, outputCapBytes: 16384 });
  const bash = { id: 'b', index: 0, name: 'bash', arguments: { command: 'echo hi' }, rawArguments: '' };
  const rawMs: number[] = [];
  const plainMs: number[] = [];
  const toolMs: number[] = [];
  try {
    for (let i = 0; i < 3; i++) await Promise.all([rawExec(raw, 'echo hi'), toolbox.run(bash)]); // warm-up
    for (let i = 0; i < execs; i++) {
      rawMs.push(await timed(() => rawExec(raw, 'echo hi')));
      plainMs.push(await timed(() => rawExec(raw, 'echo hi', '-c')));
      toolMs.push(
        await timed(async () => {
          const out = await toolbox.run(bash);
          if (out.observation !== 'hi') throw new Error(`bash tool said ${JSON.stringify(out.observation)}`);
        }),
      );
    }
  } finally {
    await env.remove();
  }

  const rawStartMs: number[] = [];
  const envStartMs: number[] = [];
  for (let i = 0; i < starts; i++) {
    let c: Docker.Container | undefined;
    rawStartMs.push(await timed(async () => (c = await rawStart(docker))));
    await c!.remove({ force: true });
    let e: SandboxEnvironment | undefined;
    envStartMs.push(await timed(async () => (e = await start())));
    await e!.remove();
  }

  const exec = { raw: median(rawMs), plain: median(plainMs), tool: median(toolMs) };
  const boot = { raw: median(rawStartMs), rollout: median(envStartMs) };
  const execRatio = exec.tool / exec.raw;
  const startRatio = boot.rollout / boot.raw;
  console.log(
    `exec round trip (median of ${execs}): raw dockerode bash -lc ${round(exec.raw)} ms (bash -c ${round(exec.plain)} ms), ` +
      `bash tool ${round(exec.tool)} ms, ratio ${round(execRatio)} (vs bash -c ${round(exec.tool / exec.plain)})`,
  );
  console.log(
    `container start (median of ${starts}): raw create+start ${round(boot.raw)} ms, rollout start ${round(boot.rollout)} ms, ratio ${round(startRatio)}`,
  );
  const ratio = Math.max(execRatio, startRatio);
  console.log(
    JSON.stringify({
      bench: 'sandbox',
      exec_raw_ms: round(exec.raw),
      exec_raw_plain_ms: round(exec.plain),
      exec_tool_ms: round(exec.tool),
      exec_ratio: round(execRatio),
      start_raw_ms: round(boot.raw),
      start_rollout_ms: round(boot.rollout),
      start_ratio: round(startRatio),
      ratio: round(ratio),
      target: TARGET,
      ok: ratio <= TARGET,
    }),
  );
}
