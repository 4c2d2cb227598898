// For tests that drive the toolbox in a real container from the base image: a parsed tool call, and a small
// sandbox with no network.
import type Docker from 'dockerode';
import { SandboxEnvironment } from '../activities/agent/environment.ts';
import type { ToolCall } from '../core/toolCalls.ts';
import { BASE_IMAGE } from '../infra/images/taskImage.ts';

export const toolCall = (name: string, args: Record<string, unknown>): ToolCall => ({
  id: 'x',
  index: 0,
  name,
  arguments: args,
  rawArguments: JSON.stringify(args),
});

export function startToolSandbox(
  docker: Docker,
  run: string,
  task: string,
  memoryMb = 512,
): Promise<SandboxEnvironment> {
  return SandboxEnvironment.start(docker, {
    image: BASE_IMAGE,
    sandbox: { memoryMb, pidsLimit: 64, cpuShares: 256, network: false, testTimeoutSec: 60, infraMaxAttempts: 1 },
    labels: { run, task },
    baseCommit: 'HEAD',
  });
}
