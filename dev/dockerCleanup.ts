// Removing what a test made on the shared engine: containers by run label, images by task label prefix.
import type Docker from 'dockerode';
import { DOCKER_LABELS } from '../core/constants.ts';

export async function removeRunContainers(docker: Docker, runId: string): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${DOCKER_LABELS.run}=${runId}`] } });
  await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}

export async function removeTaskImages(docker: Docker, taskPrefix: string): Promise<void> {
  const list = await docker.listImages({ filters: { label: [`${DOCKER_LABELS.managed}=true`] } });
  for (const img of list.filter((i) => i.Labels?.[DOCKER_LABELS.task]?.startsWith(taskPrefix))) {
    await docker
      .getImage(img.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
}

export async function runContainers(docker: Docker, runId: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${DOCKER_LABELS.run}=${runId}`] } });
}
