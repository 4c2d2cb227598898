// Per-task environment images: the base image + the repository at base_commit in /testbed (history scrubbed)
// + the task's install steps. Built once and found again by a build key label; an image the task names that
// the engine already has (a published SWE-bench / SWE-Gym image) is used as it is.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { DOCKER_LABELS } from '../../core/constants.ts';
import { InfraError } from '../../core/errors.ts';
import type { TaskInstance } from '../../core/task.ts';
import { resolveTestSpec, type ResolvedTestSpec } from '../../core/testSpec.ts';
import { scrubbedClone } from './scrubbedClone.ts';
import { pullShared, pushShared, REGISTRY_KEY_LABEL, registryRef } from './registry.ts';

export const BASE_IMAGE = process.env.SWE_FORGE_BASE_IMAGE ?? 'swe-forge/base:bookworm';
/** Bump when the image layout changes, so existing task images are rebuilt. */
const BUILDER_VERSION = 1;
export const BUILD_KEY_LABEL = 'org.swe-forge.build-key';
export const BASE_COMMIT_LABEL = 'org.swe-forge.base-commit';

/** Docker tags allow [A-Za-z0-9_.-], 128 characters; a hash keeps ids that sanitise alike apart. */
export function taskImageName(task: Pick<TaskInstance, 'instance_id' | 'image_name'>): string {
  if (task.image_name) return task.image_name;
  let tag = task.instance_id.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[.-]/, '_');
  if (tag !== task.instance_id || tag.length > 128) {
    const h = createHash('sha256').update(task.instance_id).digest('hex').slice(0, 8);
    tag = `${tag.slice(0, 119)}-${h}`;
  }
  return `swe-forge/task:${tag}`;
}

export interface ImageSource {
  repoPath: string;
  /** The resolved install / test spec (defaults to the task's own install_config, else the default). */
  spec?: ResolvedTestSpec;
  baseImage?: string;
  onLog?: (line: string) => void;
  /** A registry shared by the fleet (infra/images/registry.ts): pulled from before building, pushed to after. */
  registry?: string;
}

async function inspectImage(docker: Docker, name: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(name).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw new InfraError(`cannot inspect image ${name}: ${(err as Error).message}`, { cause: err });
  }
}

export async function taskImageExists(docker: Docker, task: TaskInstance): Promise<boolean> {
  return (await inspectImage(docker, taskImageName(task))) !== undefined;
}

const building = new WeakMap<Docker, Map<string, Promise<string>>>();

/** Builds the task's image if it is missing or stale (cached by build key); returns its name. */
export function ensureTaskImage(docker: Docker, task: TaskInstance, source: ImageSource): Promise<string> {
  const name = taskImageName(task);
  let inFlight = building.get(docker);
  if (!inFlight) building.set(docker, (inFlight = new Map()));
  const pending = inFlight.get(name);
  if (pending) return pending;
  const p = ensure(docker, task, source, name).finally(() => inFlight.delete(name));
  inFlight.set(name, p);
  return p;
}

async function ensure(docker: Docker, task: TaskInstance, source: ImageSource, name: string): Promise<string> {
  const existing = await inspectImage(docker, name);
  const labels = existing?.Config?.Labels ?? {};
  // Someone else's image (published, or built by hand): trust it as the task's environment.
  if (existing && labels[DOCKER_LABELS.managed] !== 'true') return name;
  const baseImage = source.baseImage ?? BASE_IMAGE;
  const base = await inspectImage(docker, baseImage);
  if (!base) {
    throw new InfraError(`base image ${baseImage} is missing: build it with \`bash infra/images/build-base.sh\``);
  }
  const spec = source.spec ?? resolveTestSpec(task);
  const key = createHash('sha256')
    .update(
      JSON.stringify({
        v: BUILDER_VERSION,
        base: base.Id,
        commit: task.base_commit,
        repo: task.repo,
        spec,
        // Only when there is one, so the keys (and images) of every other task stay as they were.
        ...(task.setup_patch ? { setup: task.setup_patch } : {}),
      }),
    )
    .digest('hex')
    .slice(0, 24);
  if (existing && labels[BUILD_KEY_LABEL] === key) return name;
  // The same content, as every host names it (the base by its recipe labels, not its host-local id).
  const shared = createHash('sha256')
    .update(
      JSON.stringify({
        v: BUILDER_VERSION,
        base: sortedLabels(base),
        commit: task.base_commit,
        repo: task.repo,
        spec,
        setup: task.setup_patch ?? null,
      }),
    )
    .digest('hex')
    .slice(0, 24);
  if (existing && source.registry && labels[REGISTRY_KEY_LABEL] === shared) return name; // pulled before
  const ref = source.registry ? registryRef(source.registry, shared) : undefined;
  if (ref && (await pullShared(docker, ref, name, { onLog: source.onLog }))) return name;
  await buildImage(docker, task, { ...source, spec, baseImage }, name, key, shared);
  if (ref) await pushShared(docker, name, ref, { onLog: source.onLog });
  return name;
}

const sortedLabels = (image: Docker.ImageInspectInfo) =>
  Object.entries(image.Config?.Labels ?? {}).sort(([a], [b]) => a.localeCompare(b));

function dockerfile(baseImage: string, spec: ResolvedTestSpec, labels: Record<string, string>): string {
  const lines = [
    `FROM ${baseImage}`,
    // The harness runs git as root in a tree the agent user owns: allow it without the ownership check.
    'COPY gitconfig /etc/gitconfig',
    'COPY --chown=1000:1000 testbed /testbed',
    'WORKDIR /testbed',
  ];
  const env = Object.entries(spec.env);
  if (env.length) lines.push(`ENV ${env.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`);
  const steps = [...spec.preInstall];
  if (spec.pipPackages.length)
    steps.push(`python3 -m pip install ${spec.pipPackages.map((p) => JSON.stringify(p)).join(' ')}`);
  steps.push(...spec.install);
  if (steps.length) {
    lines.push('SHELL ["/bin/bash", "-lc"]', ...steps.map((s) => `RUN ${s.replace(/\n/g, ' \\\n')}`));
    // Install steps run as root; what they write in /testbed must stay editable by the agent user.
    lines.push('RUN chown -R 1000:1000 /testbed');
  }
  // One LABEL line: the classic builder runs a container per instruction, so labels via the API cost 6.
  lines.push(
    `LABEL ${Object.entries(labels)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' ')}`,
  );
  return `${lines.join('\n')}\n`;
}

/** The task state on top of base_commit (SWE-smith's bug), committed so `git diff` shows only the agent's work. */
async function commitSetupPatch(testbed: string, patch: string, id: string): Promise<void> {
  const git = (args: string[], input?: string) =>
    new Promise<void>((resolve, reject) => {
      const p = spawn('git', args, { cwd: testbed, stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (b: Buffer) => (err += b.toString()));
      p.on('error', reject);
      p.on('close', (code) =>
        code === 0 ? resolve() : reject(new InfraError(`${id}: git ${args[0]} of setup_patch failed: ${err.trim()}`)),
      );
      p.stdin.end(input ?? '');
    });
  await git(['apply', '--whitespace=nowarn', '-'], patch.endsWith('\n') ? patch : `${patch}\n`);
  await git(['add', '-A']);
  const who = ['-c', 'user.name=swe-forge', '-c', 'user.email=swe-forge@localhost'];
  await git([...who, 'commit', '--quiet', '--no-verify', '-m', 'task state']);
}

async function buildImage(
  docker: Docker,
  task: TaskInstance,
  src: Required<Omit<ImageSource, 'onLog' | 'registry'>> & ImageSource,
  name: string,
  key: string,
  sharedKey: string,
) {
  const dir = mkdtempSync(join(tmpdir(), 'swe-forge-image-'));
  try {
    const clone = await scrubbedClone({
      source: src.repoPath,
      dest: join(dir, 'testbed'),
      baseCommit: task.base_commit,
      repo: task.repo,
    });
    if (task.setup_patch?.trim()) await commitSetupPatch(join(dir, 'testbed'), task.setup_patch, task.instance_id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'gitconfig'), '[safe]\n\tdirectory = *\n');
    const labels = {
      [DOCKER_LABELS.managed]: 'true',
      [DOCKER_LABELS.kind]: 'task-image',
      [DOCKER_LABELS.task]: task.instance_id.slice(0, 250),
      [DOCKER_LABELS.createdAt]: new Date().toISOString(),
      [BUILD_KEY_LABEL]: key,
      [REGISTRY_KEY_LABEL]: sharedKey,
      [BASE_COMMIT_LABEL]: clone.commit,
    };
    writeFileSync(join(dir, 'Dockerfile'), dockerfile(src.baseImage, src.spec, labels));
    const tar = spawn('tar', ['-C', dir, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stream: NodeJS.ReadableStream;
    try {
      stream = await docker.buildImage(tar.stdout, { t: name, rm: true, forcerm: true });
    } catch (err) {
      tar.kill();
      throw new InfraError(`docker build of ${name} failed to start: ${(err as Error).message}`, { cause: err });
    }
    const events = await new Promise<{ stream?: string; error?: string }[]>((resolve, reject) =>
      docker.modem.followProgress(
        stream,
        (err: Error | null, out: { stream?: string; error?: string }[]) => (err ? reject(err) : resolve(out)),
        (e: { stream?: string }) => e.stream && src.onLog?.(e.stream.trimEnd()),
      ),
    ).catch((err: Error) => {
      throw new InfraError(`docker build of ${name} broke: ${err.message}`, { cause: err });
    });
    const failed = events.find((e) => e.error);
    if (failed) {
      const tail = events
        .map((e) => e.stream ?? '')
        .join('')
        .split('\n')
        .slice(-15)
        .join('\n');
      throw new InfraError(`image ${name} for ${task.instance_id} did not build: ${failed.error}\n${tail}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
