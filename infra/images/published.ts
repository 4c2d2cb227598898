// Published environment images (SWE-bench's sweb.eval.*, SWE-Gym's, SWE-rebench's, SWE-smith's): pulled when
// missing (registry auth from the engine's own config), then used only through a derived image in which /testbed
// is history-scrubbed (the same rule as our built images: every commit any ref reaches is base_commit or an
// ancestor), the task state committed (SWE-smith), /testbed owned by the agent user and the image's conda
// environment activated through PATH, so neither the agent nor the tests have to `conda activate` by hand.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { DOCKER_LABELS } from '../../core/constants.ts';
import { InfraError } from '../../core/errors.ts';
import type { TaskInstance } from '../../core/task.ts';
import { demux } from '../sandboxExec.ts';
import { pullImage } from './pull.ts';
import { SCRUB_SCRIPT } from './scrubScript.ts';

/** Bump when the derivation changes, so derived images are made again. */
const DERIVE_VERSION = 1;
export const DERIVED_KEY_LABEL = 'org.swe-forge.derived-key';

async function inspect(docker: Docker, name: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(name).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw new InfraError(`cannot inspect image ${name}: ${(err as Error).message}`, { cause: err });
  }
}

export function derivedImageName(task: Pick<TaskInstance, 'instance_id' | 'image_name'>): string {
  const h = createHash('sha256').update(`${task.image_name}\n${task.instance_id}`).digest('hex').slice(0, 16);
  return `swe-forge/derived:${h}`;
}

export interface PublishedOptions {
  onLog?: (line: string) => void;
  /** Give up a pull that reports no progress for this long (default 300 s). */
  stallSec?: number;
}

/** The derived, scrubbed image of a task that names a published image: pulled and derived when missing. */
export async function ensurePublishedImage(
  docker: Docker,
  task: TaskInstance,
  o: PublishedOptions = {},
): Promise<string> {
  const published = task.image_name!;
  let info = await inspect(docker, published);
  if (!info) {
    await pullImage(docker, published, { onLog: o.onLog, stallSec: o.stallSec ?? 300 }).catch((err: Error) => {
      throw new InfraError(
        `task ${task.instance_id}: image ${published} is not here and could not be pulled: ${err.message}`,
        {
          cause: err,
        },
      );
    });
    info = await inspect(docker, published);
    if (!info) throw new InfraError(`task ${task.instance_id}: image ${published} is still missing after the pull`);
  }
  const name = derivedImageName(task);
  const key = createHash('sha256')
    .update(
      JSON.stringify({ v: DERIVE_VERSION, image: info.Id, commit: task.base_commit, setup: task.setup_patch ?? '' }),
    )
    .digest('hex')
    .slice(0, 24);
  const have = await inspect(docker, name);
  if (have?.Config?.Labels?.[DERIVED_KEY_LABEL] === key) return name;
  await derive(docker, task, info, name, key, o);
  return name;
}

async function derive(
  docker: Docker,
  task: TaskInstance,
  info: Docker.ImageInspectInfo,
  name: string,
  key: string,
  o: PublishedOptions,
): Promise<void> {
  const env = [
    `SWE_FORGE_BASE_COMMIT=${task.base_commit}`,
    `SWE_FORGE_SETUP_PATCH=${Buffer.from(task.setup_patch ?? '', 'utf8').toString('base64')}`,
  ];
  const container = await docker.createContainer({
    Image: info.Id,
    Cmd: ['bash', '-c', SCRUB_SCRIPT],
    Entrypoint: [],
    User: 'root',
    WorkingDir: '/',
    Env: env,
    NetworkDisabled: true,
    Labels: { [DOCKER_LABELS.managed]: 'true', [DOCKER_LABELS.kind]: 'derive', [DOCKER_LABELS.task]: task.instance_id },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const parts: Buffer[] = [];
    demux((b) => parts.push(Buffer.from(b)))(await container.logs({ stdout: true, stderr: true }));
    const logs = Buffer.concat(parts).toString('utf8');
    for (const l of logs.split('\n').filter(Boolean)) o.onLog?.(l);
    if (StatusCode !== 0) {
      const tail = logs.trim().split('\n').slice(-8).join('\n');
      throw new InfraError(
        `task ${task.instance_id}: scrubbing ${task.image_name} failed (exit ${StatusCode}):\n${tail}`,
      );
    }
    const conda = /^CONDA_ENV (\S+)$/m.exec(logs)?.[1];
    const path =
      (info.Config?.Env ?? []).find((e) => e.startsWith('PATH='))?.slice(5) ?? '/usr/local/bin:/usr/bin:/bin';
    const labels = {
      [DOCKER_LABELS.managed]: 'true',
      [DOCKER_LABELS.kind]: 'derived-image',
      [DOCKER_LABELS.task]: task.instance_id.slice(0, 250),
      [DOCKER_LABELS.createdAt]: new Date().toISOString(),
      [DERIVED_KEY_LABEL]: key,
      'org.swe-forge.published-image': task.image_name!,
    };
    const changes = [
      'WORKDIR /testbed',
      'CMD ["bash"]',
      ...(conda ? [`ENV PATH=${conda}/bin:${path}`, `ENV CONDA_PREFIX=${conda}`, 'ENV CONDA_DEFAULT_ENV=testbed'] : []),
      `LABEL ${Object.entries(labels)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(' ')}`,
    ];
    const [repo, tag] = name.split(':') as [string, string];
    // The engine parses `changes` as Dockerfile lines (one string, newline-separated).
    await container.commit({ repo, tag, changes: changes.join('\n') });
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}
