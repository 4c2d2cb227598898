// The one module that knows where things are: Temporal, Postgres, Docker, the data and cache dirs.
// Everything else asks here; nothing else reads these environment variables.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface TemporalSettings {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  /** True when we run the dev server ourselves (no TEMPORAL_ADDRESS given). */
  embedded: boolean;
  uiPort: number;
  tls?: { serverName?: string; serverRootCaPath?: string; clientCertPath?: string; clientKeyPath?: string };
  apiKeyEnv?: string;
}

export interface Settings {
  dataDir: string;
  cacheDir: string;
  artifactsDir: string;
  temporal: TemporalSettings;
  /** postgres:// URL; undefined means: run embedded Postgres in dataDir. */
  databaseUrl?: string;
  embeddedPgPort: number;
  dockerHost?: string;
  /** SWE_FORGE_REGISTRY: a registry the fleet shares task images through (infra/images/registry.ts). */
  registry?: string;
  pythonBin: string;
  repoRoot: string;
}

const repoRoot = resolve(import.meta.dirname, '..');

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const dataDir = resolve(env.SWE_FORGE_DATA ?? join(repoRoot, '.swe-forge'));
  const cacheDir = resolve(env.SWE_FORGE_CACHE ?? join(homedir(), '.cache', 'swe-forge'));
  const tlsOn = env.TEMPORAL_TLS === '1' || !!env.TEMPORAL_TLS_CERT;
  return {
    dataDir,
    cacheDir,
    artifactsDir: resolve(env.SWE_FORGE_ARTIFACTS ?? join(dataDir, 'artifacts')),
    temporal: {
      address: env.TEMPORAL_ADDRESS ?? `127.0.0.1:${env.SWE_FORGE_TEMPORAL_PORT ?? '7233'}`,
      namespace: env.TEMPORAL_NAMESPACE ?? 'default',
      embedded: !env.TEMPORAL_ADDRESS,
      uiPort: Number(env.SWE_FORGE_TEMPORAL_UI_PORT ?? '8233'),
      tls: tlsOn
        ? {
            serverName: env.TEMPORAL_TLS_SERVER_NAME,
            serverRootCaPath: env.TEMPORAL_TLS_CA,
            clientCertPath: env.TEMPORAL_TLS_CERT,
            clientKeyPath: env.TEMPORAL_TLS_KEY,
          }
        : undefined,
      apiKeyEnv: env.TEMPORAL_API_KEY ? 'TEMPORAL_API_KEY' : undefined,
    },
    databaseUrl: env.DATABASE_URL,
    embeddedPgPort: Number(env.SWE_FORGE_PG_PORT ?? '54329'),
    dockerHost: env.DOCKER_HOST,
    registry: env.SWE_FORGE_REGISTRY || undefined,
    pythonBin: env.SWE_FORGE_PYTHON ?? join(cacheDir, 'venv', 'bin', 'python'),
    repoRoot,
  };
}

export function embeddedDatabaseUrl(port: number): string {
  return `postgres://swe_forge:swe_forge@127.0.0.1:${port}/swe_forge`;
}
