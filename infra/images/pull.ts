// Pulling an image through the engine: progress reported, registry auth taken from the engine's client config
// (~/.docker/config.json `auths`, or DOCKER_CONFIG), and a pull that reports nothing for `stallSec` abandoned, so an
// offline machine gets a clear error instead of a hang.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';

interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serveraddress: string;
}

/** The registry part of an image name (`host[:port]/…`), or undefined for the engine's default registry. */
export function registryOf(image: string): string | undefined {
  const first = image.split('/')[0]!;
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
    ? first
    : undefined;
}

/** Credentials for the image's registry from the docker client config; the default registry's key is the
 * engine's own IndexServerAddress (asked, not written down here). */
export function authFor(image: string, defaultServer: string | undefined, configDir?: string): AuthConfig | undefined {
  const file = join(configDir ?? process.env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
  if (!existsSync(file)) return undefined;
  let auths: Record<string, { auth?: string; username?: string; password?: string }> = {};
  try {
    auths = (JSON.parse(readFileSync(file, 'utf8')) as { auths?: typeof auths }).auths ?? {};
  } catch {
    return undefined; // an unreadable client config is no credentials, not a failed pull
  }
  const server = registryOf(image) ?? defaultServer;
  if (!server) return undefined;
  const hostOf = (k: string) => k.replace(/^https?:\/\//, '').split('/')[0];
  const key = Object.keys(auths).find((k) => k === server || hostOf(k) === hostOf(server));
  const entry = key ? auths[key] : undefined;
  if (!entry) return undefined;
  let { username, password } = entry;
  if (entry.auth && !username)
    [username, password] = Buffer.from(entry.auth, 'base64').toString('utf8').split(/:(.*)/s);
  return { username, password, serveraddress: key! };
}

export async function pullImage(
  docker: Docker,
  image: string,
  o: { onLog?: (line: string) => void; stallSec: number },
): Promise<void> {
  const info = (await docker.info().catch(() => ({}))) as { IndexServerAddress?: string };
  const authconfig = authFor(image, info.IndexServerAddress);
  let timer: NodeJS.Timeout | undefined;
  let stream: NodeJS.ReadableStream | undefined;
  let arm: () => void = () => undefined;
  // Armed before the request too: an engine stuck resolving an unreachable registry answers nothing at all.
  const stalled = new Promise<never>((_, reject) => {
    arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        (stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
        reject(new Error(`no progress for ${o.stallSec}s (offline, or the registry does not answer)`));
      }, o.stallSec * 1000);
    };
  });
  arm();
  try {
    await Promise.race([stalled, follow()]);
  } finally {
    clearTimeout(timer);
  }

  async function follow(): Promise<void> {
    stream = await docker.pull(image, authconfig ? { authconfig } : {});
    arm();
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(
        stream!,
        (err: Error | null, out: { error?: string }[]) => {
          const failed = out?.find((e) => e.error);
          if (err || failed) reject(err ?? new Error(failed!.error));
          else resolve();
        },
        (e: { status?: string; progress?: string; id?: string }) => {
          arm();
          if (e.status) o.onLog?.(`${e.id ? `${e.id}: ` : ''}${e.status}${e.progress ? ` ${e.progress}` : ''}`);
        },
      ),
    );
  }
}
