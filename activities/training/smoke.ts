// Smoke run of every gpu activity on this machine's hardware (CPU, one GPU, or torchrun over several; vLLM when
// a GPU is present): tiny model -> SFT -> GRPO step -> ORM verifier -> ONNX export -> policy server + one chat
// completion. Not a test and not a benchmark: it shows the activities work here and prints what they returned.
//   node --import tsx activities/training/smoke.ts [--json]
// Uses embedded Postgres in a temp dir unless DATABASE_URL is set; writes under a temp artifacts dir.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { RlSchema, SftSchema, SweWorldSchema } from '../../config/schema.ts';
import { freePort } from '../../infra/net.ts';
import { createPool, startEmbeddedPostgres, type EmbeddedPg } from '../../infra/postgres.ts';
import { migrate } from '../../infra/migrate.ts';
import { loadSettings } from '../../infra/settings.ts';
import { createGpuTrainingActivities } from './index.ts';

const json = process.argv.includes('--json');
const inActivity = <R>(fn: () => Promise<R>) =>
  new MockActivityEnvironment({}, { logger: new DefaultLogger('WARN') }).run(fn) as Promise<R>;

function conversation(i: number) {
  return [
    { role: 'user', content: `Issue ${i}: parse() fails on empty input.` },
    { role: 'assistant', content: '<tool_call>{"name":"bash","arguments":{"command":"ls"}}</tool_call>' },
    { role: 'tool', content: 'src tests' },
    { role: 'assistant', content: 'Fixed. <tool_call>{"name":"submit","arguments":{}}</tool_call>' },
  ];
}
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'swe-forge-training-smoke-'));
  let pg: EmbeddedPg | undefined;
  const url =
    process.env.DATABASE_URL ??
    (pg = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), quiet: true })).url;
  const pool = createPool(url, 2);
  const settings = { ...loadSettings(), artifactsDir: join(dir, 'artifacts') };
  const acts = createGpuTrainingActivities({ pool, settings });
  const results: Record<string, unknown> = {};
  const step = async <R>(name: string, fn: () => Promise<R>): Promise<R> => {
    const began = Date.now();
    const r = await inActivity(fn);
    results[name] = { ...r, wallSeconds: (Date.now() - began) / 1000 };
    if (!json) console.log(`${name}: ${JSON.stringify(results[name])}`);
    return r;
  };
  try {
    await migrate(pool);
    const runId = 'smoke';
    const sftData = join(dir, 'sft.jsonl');
    writeFileSync(sftData, jsonl([0, 1, 2, 3].map((i) => ({ messages: conversation(i) }))));
    const batch = join(dir, 'batch.jsonl');
    writeFileSync(
      batch,
      jsonl(
        [0, 1, 2, 3].map((i) => ({
          messages: conversation(i),
          advantage: i % 2 ? -1 : 1,
          masked: false,
          group: `g${i >> 1}`,
        })),
      ),
    );
    const ormData = join(dir, 'orm.jsonl');
    writeFileSync(ormData, jsonl([0, 1, 2, 3].map((i) => ({ text: `Issue ${i}\nDiff: +return []`, label: i % 2 }))));

    const tiny = await step('makeTinyModel', () =>
      acts.makeTinyModel({ outDir: '', corpusFiles: ['tasks/mini/tasks.jsonl'], seed: 0 }),
    );
    const sft = SftSchema.parse({ steps: 4, saveEvery: 2, batchSize: 2, maxSeqLen: 256, lr: 1e-3 });
    const sftRef = await step('trainSft', () =>
      acts.trainSft({ runId, stage: 'sft', baseModel: tiny.path, datasetPath: sftData, outDir: '', sft }),
    );
    const rl = RlSchema.parse({ groupSize: 2, lMax: 256, lr: 1e-4 });
    const policy = await step('grpoStep', () =>
      acts.grpoStep({ runId, iteration: 1, model: sftRef.path, batchPath: batch, outDir: '', rl }),
    );
    const cfg = SweWorldSchema.parse({ kind: 'orm', steps: 2, lr: 1e-3, balance: true });
    const verifier = await step('trainVerifier', () =>
      acts.trainVerifier({ runId, kind: 'orm', baseModel: tiny.path, datasetPath: ormData, outDir: '', cfg }),
    );
    await step('exportOnnx', () => acts.exportOnnx({ runId, model: verifier.path, outDir: '' }));
    const server = await step('ensurePolicyServer', () =>
      acts.ensurePolicyServer({ checkpoint: policy.path, servedName: 'smoke' }),
    );
    const res = await fetch(`${server.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'smoke', messages: conversation(9).slice(0, 1), max_tokens: 16 }),
    });
    results.chatCompletionStatus = res.status;
    await step('stopPolicyServer', () => acts.stopPolicyServer({ servedName: 'smoke' }).then(() => ({})));
    const rows = await pool.query('select id, step from checkpoints order by id');
    results.checkpointRows = rows.rows.map((r) => r.id);
    if (json) console.log(JSON.stringify(results, null, 2));
    else console.log(`chat completion: HTTP ${res.status}; checkpoint rows: ${rows.rows.map((r) => r.id).join(', ')}`);
    if (res.status !== 200) process.exitCode = 1;
  } finally {
    await pool.end();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
