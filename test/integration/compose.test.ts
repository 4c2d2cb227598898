// docker-compose.yml as Compose resolves it (`docker-compose config`, Debian's v1): the gpu worker only behind its
// profile, policy servers advertised under a name the rollout workers resolve, one artifact path shared by every
// worker (and the CLI), SDK metrics on; and the Temporal schema step given its database password.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

type Obj = Record<string, unknown>;
type Service = {
  profiles?: string[];
  environment?: Record<string, string>;
  volumes?: unknown[];
  build?: { target?: string };
};

describe('docker-compose.yml', () => {
  const cfg = parse(execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { encoding: 'utf8' })) as {
    services: Record<string, Service>;
  };
  const s = cfg.services;

  it('puts the gpu worker behind the gpu profile and advertises it by service name', () => {
    expect(s.gpu!.profiles).toEqual(['gpu']);
    expect(s.orchestrator!.profiles).toBeUndefined();
    expect(s.gpu!.environment).toMatchObject({ SWE_FORGE_SERVE_HOST: '0.0.0.0', SWE_FORGE_ADVERTISE_HOST: 'gpu' });
  });

  it('builds the gpu worker from the Dockerfile target that installs vLLM, the others from the plain worker', () => {
    expect(s.gpu!.build?.target).toBe('gpu');
    for (const name of ['orchestrator', 'rollout']) expect(s[name]!.build?.target).toBe('worker');
    const gpuStage = readFileSync('infra/Dockerfile', 'utf8').split(/^FROM worker AS gpu$/m)[1] ?? '';
    expect(gpuStage).toMatch(/pip install [^\n]*"vllm==\$\{VLLM_VERSION\}"/);
    expect(gpuStage).toMatch(/^ENV PATH=.*\/opt\/vllm\/bin/m);
  });

  it('mounts one artifact path at the same place in every worker, with metrics on', () => {
    for (const name of ['orchestrator', 'rollout', 'gpu']) {
      const env = s[name]!.environment!;
      expect(env.SWE_FORGE_METRICS_ADDRESS).toBe('0.0.0.0:9464');
      const data = env.SWE_FORGE_DATA!;
      // v1 prints short syntax (src:dst:mode); v2 the long one.
      const mounts = (s[name]!.volumes ?? []).map((v) =>
        typeof v === 'string' ? v.split(':').slice(0, 2).join(':') : `${(v as Obj).source}:${(v as Obj).target}`,
      );
      expect(mounts).toContain(`${data}:${data}`);
    }
  });

  it('gives the schema set-up its password', () => {
    const script = readFileSync('infra/compose/setup-temporal-schema.sh', 'utf8');
    expect(script).toMatch(/--pw "\$\{POSTGRES_PWD/);
    expect(s['temporal-schema']!.environment).toMatchObject({ POSTGRES_PWD: 'temporal' });
  });
});
