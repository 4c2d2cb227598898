// The environment image of a task, whichever way it comes: a published image the row names (pulled, then used
// through its scrubbed derived image), or our own build from the row's source, or an image already built.
import type Docker from 'dockerode';
import { InfraError } from '../../core/errors.ts';
import type { TaskInstance } from '../../core/task.ts';
import { loadSettings } from '../settings.ts';
import { ensurePublishedImage, type PublishedOptions } from './published.ts';
import { ensureTaskImage, taskImageExists, taskImageName, type ImageSource } from './taskImage.ts';

const inFlight = new WeakMap<Docker, Map<string, Promise<string>>>();

export function ensureEnvironmentImage(
  docker: Docker,
  task: TaskInstance,
  o: { source?: ImageSource } & PublishedOptions = {},
): Promise<string> {
  if (task.image_name) {
    // One derivation per task at a time: parallel rollouts of one task wait for the same one.
    let m = inFlight.get(docker);
    if (!m) inFlight.set(docker, (m = new Map()));
    const key = `${task.instance_id}\n${task.image_name}`;
    const pending = m.get(key);
    if (pending) return pending;
    const p = ensurePublishedImage(docker, task, o).finally(() => m.delete(key));
    m.set(key, p);
    return p;
  }
  // The fleet's registry (SWE_FORGE_REGISTRY) unless the caller names one.
  if (o.source) return ensureTaskImage(docker, task, { registry: loadSettings().registry, ...o.source });
  return taskImageExists(docker, task).then((ok) => {
    if (ok) return taskImageName(task);
    throw new InfraError(`task ${task.instance_id}: no image ${taskImageName(task)} and no source to build it from`);
  });
}
