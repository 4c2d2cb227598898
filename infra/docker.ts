// Finding the Docker engine: DOCKER_HOST, else the default socket. A clear message when none answers.
import Docker from 'dockerode';
import { ServiceUnavailableError } from '../core/errors.ts';

export function dockerClient(dockerHost = process.env.DOCKER_HOST): Docker {
  if (!dockerHost) return new Docker({ socketPath: '/var/run/docker.sock' });
  if (dockerHost.startsWith('unix://')) return new Docker({ socketPath: dockerHost.slice('unix://'.length) });
  const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
  return new Docker({
    host: url.hostname,
    port: Number(url.port || 2375),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
  });
}

export async function connectDocker(dockerHost = process.env.DOCKER_HOST): Promise<Docker> {
  const docker = dockerClient(dockerHost);
  try {
    await docker.ping();
  } catch (err) {
    throw new ServiceUnavailableError(
      `no Docker engine answers at ${dockerHost ?? 'unix:///var/run/docker.sock'} (${(err as Error).message}). ` +
        'Start one: `npm run bootstrap` installs Debian docker.io and starts dockerd, or run `sudo dockerd &`, ' +
        'or point DOCKER_HOST at a running engine.',
    );
  }
  return docker;
}
