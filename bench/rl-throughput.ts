// `npm run bench -- rl-throughput [--iterations N] [--tasks N] [--step-ms MS] [--trainer stand-in|tiny|both]`:
// the same seeded RL work in stages.rl.mode sync and async (k = 1) on the real stack: a Temporal dev server,
// Postgres, the orchestrator and rollout worker processes, real Docker sandboxes, the scripted policy (a stand-in
// endpoint that replays gold or wrong edits, not a model; stages.rl.offPolicy). The trainer is, first, a
// `sleep-stand-in` gpu worker whose grpoStep takes a fixed time without using the CPU (it stands for a GPU step), so
// the figure measures the scheduling and not two jobs fighting over this machine's cores; by default the step takes
// what one iteration's rollouts took in a calibration iteration (train and rollouts balanced, where async gains
// most). Second, the real tiny trainer (a gpu worker process, grpo-step on CPU). Figures per mode: wall time per
// iteration, trainer busy share, sandbox busy share (rollout slots holding a sandbox), the staleness histogram and
// the bound of iteration time max(rollouts, train + swap). Target: async / sync <= 0.60 with the stand-in trainer
// and the steady-state async iteration within 15 % of its bound. Last line: one JSON object.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { heartbeat } from '@temporalio/activity';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { CheckpointRef, GrpoStepInput } from '../contracts/gpu.ts';
import { TASK_QUEUES } from '../core/constants.ts';
import { readRlIterations, type RlIterationView } from '../activities/pipeline/rlIterations.ts';
import type { RunConfig } from '../config/schema.ts';
import { faultConfig, outcomeWithin } from '../dev/faultRun.ts';
import { startFaultStack, type FaultStack } from '../dev/faultStack.ts';
import { tinyModelFor } from '../dev/tinyModel.ts';

const TARGET = 0.6;
const BOUND_SLACK = 0.15;
const TASKS = [
  'mini__textkit-3',
  'mini__intervals-2',
  'mini__semverx-4',
  'mini__csvlite-3',
  'mini__textkit-7',
  'mini__semverx-6',
];
export const TRAINER_STAND_IN = 'sleep-stand-in';

interface Args {
  iterations: number;
  tasks: number;
  group: number;
  window: number;
  stepMs: number | 'auto';
  trainer: 'stand-in' | 'tiny' | 'both';
}

function parse(argv: string[]): Args {
  const a: Args = { iterations: 8, tasks: 4, group: 4, window: 8, stepMs: 'auto', trainer: 'both' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const v = argv[++i];
    const int = (min: number) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new Error(`${flag}: expected an integer >= ${min} (got ${v})`);
      return n;
    };
    if (flag === '--iterations') a.iterations = int(4);
    else if (flag === '--tasks') a.tasks = int(1);
    else if (flag === '--group') a.group = int(2);
    else if (flag === '--window') a.window = int(1);
    else if (flag === '--step-ms') a.stepMs = v === 'auto' ? 'auto' : int(0);
    else if (flag === '--trainer' && (v === 'stand-in' || v === 'tiny' || v === 'both')) a.trainer = v;
    else throw new Error(`unknown or bad flag ${flag} ${v ?? ''}`);
  }
  if (a.tasks > TASKS.length) throw new Error(`--tasks: at most ${TASKS.length}`);
  return a;
}

/** The stand-in gpu worker: grpoStep sleeps (heartbeating) and writes an empty checkpoint dir. No CPU used. */
async function standInTrainer(stack: FaultStack, stepMs: () => number) {
  const connection = await NativeConnection.connect({ address: stack.base.temporal!.address });
  const worker = await Worker.create({
    connection,
    taskQueue: TASK_QUEUES.gpu,
    activities: {
      async grpoStep(i: GrpoStepInput): Promise<CheckpointRef> {
        const end = Date.now() + stepMs();
        while (Date.now() < end) {
          heartbeat();
          await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(0, end - Date.now()))));
        }
        const path = join(
          stack.artifactsDir,
          'runs',
          i.runId,
          'rl',
          `iter-${i.iteration}`,
          'checkpoints',
          `step-${i.iteration}`,
        );
        mkdirSync(path, { recursive: true });
        return {
          checkpointId: `${i.runId}/rl/iter-${i.iteration}/step-${i.iteration}`,
          path,
          step: i.iteration,
          metrics: { stand_in: 1 },
        };
      },
    },
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

function config(name: string, a: Args, mode: 'sync' | 'async', iterations: number, baseModelDir: string): RunConfig {
  const c = faultConfig(name, ['rl'], {
    models: {
      policy: { name: 'scripted-policy', kind: 'scripted', toolFormat: 'native' },
      teachers: [{ name: 'scripted-teacher', kind: 'scripted', toolFormat: 'native' }],
    },
    fanOut: { window: a.window },
    tasks: { train: TASKS.slice(0, a.tasks) },
    stages: {
      rl: {
        iterations,
        batchTasks: a.tasks,
        groupSize: a.group,
        offPolicy: true,
        stepWithoutSignal: true, // every iteration trains: the step's time is what overlaps
        continueAsNewEvery: 100,
        canaries: { sample: 0 },
        lMax: 1024,
        mode,
        maxStaleness: 1,
      },
    },
  });
  return withBase(c, baseModelDir);
}

const withBase = (c: RunConfig, dir: string): RunConfig => ({ ...c, models: { ...c.models, baseModelDir: dir } });

interface ModeFigures {
  mode: 'sync' | 'async';
  wallMs: number;
  iterationMs: number[];
  /** Mean iteration time after the first (whose rollouts overlap nothing) and the mean bound of those iterations. */
  steadyIterationMs: number;
  steadyBoundMs: number;
  trainerBusy: number;
  sandboxBusy: number;
  staleness: Record<string, number>;
  rollouts: number;
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
const mean = (xs: number[]) => (xs.length ? sum(xs) / xs.length : 0);

async function runMode(stack: FaultStack, run: string, c: RunConfig, window: number): Promise<ModeFigures> {
  const handle = await stack.startRun(run, c);
  const got = await outcomeWithin(stack.client, handle, 3_600_000, []);
  if (!got.ok) throw new Error(`${run}: ${got.error}`);
  const its: RlIterationView[] = await readRlIterations(stack.base.pool!, run);
  const n = (x: number | null) => x ?? 0;
  const iterationMs = its.map((i) => n(i.iterationMs));
  const wallMs = sum(iterationMs);
  const { rows } = await stack.base.pool!.query<{ busy: number }>(
    `select coalesce(sum(extract(epoch from finished_at - started_at) * 1000), 0)::float8 as busy
       from rollouts where run_id = $1 and stage = 'rl'`,
    [run],
  );
  const count = await stack.base.pool!.query<{ n: number }>(
    `select count(*)::int as n from rollouts where run_id = $1 and stage = 'rl'`,
    [run],
  );
  const staleness: Record<string, number> = {};
  for (const i of its) for (const [k, v] of Object.entries(i.staleness ?? {})) staleness[k] = (staleness[k] ?? 0) + v;
  const steady = its.slice(1);
  return {
    mode: c.stages.rl.mode,
    wallMs,
    iterationMs,
    steadyIterationMs: mean(steady.map((i) => n(i.iterationMs))),
    steadyBoundMs: mean(steady.map((i) => n(i.boundMs))),
    trainerBusy: sum(its.map((i) => n(i.trainMs))) / wallMs,
    sandboxBusy: rows[0]!.busy / (window * wallMs),
    staleness,
    rollouts: count.rows[0]!.n,
  };
}

function print(label: string, f: ModeFigures) {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(
    `${label} ${f.mode.padEnd(5)}  wall ${s(f.wallMs)}  per iteration ${f.iterationMs.map(s).join(', ')}  ` +
      `steady ${s(f.steadyIterationMs)} (bound ${s(f.steadyBoundMs)})  trainer busy ${(100 * f.trainerBusy).toFixed(0)} %  ` +
      `sandbox slots busy ${(100 * f.sandboxBusy).toFixed(0)} %  staleness ${JSON.stringify(f.staleness)}  rollouts ${f.rollouts}`,
  );
}

export default async function rlThroughput(argv: string[]): Promise<void> {
  const a = parse(argv);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const stack = await startFaultStack('rl-throughput');
  const out: Record<string, unknown> = { bench: 'rl-throughput', iterations: a.iterations, tasks: a.tasks, G: a.group };
  try {
    await stack.importTasks();
    await stack.startWorker('orchestrator');
    await stack.startWorker('rollout');
    const results: Record<string, { sync: ModeFigures; async: ModeFigures }> = {};
    if (a.trainer !== 'tiny') {
      let stepMs = a.stepMs === 'auto' ? 0 : a.stepMs;
      const trainer = await standInTrainer(stack, () => stepMs);
      const base = join(stack.dir, 'stand-in-base');
      mkdirSync(base, { recursive: true });
      try {
        if (a.stepMs === 'auto') {
          // Calibration (and image warm-up): one sync iteration; its rollout phase becomes the step's length.
          await runMode(stack, 'rlt-calibrate', config('rlt-calibrate', a, 'sync', 1, base), a.window);
          const [it] = await readRlIterations(stack.base.pool!, 'rlt-calibrate');
          stepMs = Math.round(it?.rolloutMs ?? 10_000);
        }
        console.log(
          `trainer: ${TRAINER_STAND_IN} (a GPU step's stand-in: sleeps ${(stepMs / 1000).toFixed(1)} s, no CPU)`,
        );
        const sync = await runMode(stack, 'rlt-sync', config('rlt-sync', a, 'sync', a.iterations, base), a.window);
        print('stand-in', sync);
        const async_ = await runMode(stack, 'rlt-async', config('rlt-async', a, 'async', a.iterations, base), a.window);
        print('stand-in', async_);
        results.standIn = { sync, async: async_ };
        out.stepMs = stepMs;
      } finally {
        await trainer.stop();
      }
    }
    if (a.trainer !== 'stand-in') {
      await stack.startWorker('gpu');
      const base = await tinyModelFor(stack);
      console.log('trainer: the real tiny trainer (grpo-step on CPU, beside the rollouts on the same cores)');
      const sync = await runMode(
        stack,
        'rlt-tiny-sync',
        config('rlt-tiny-sync', a, 'sync', a.iterations, base),
        a.window,
      );
      print('tiny    ', sync);
      const async_ = await runMode(
        stack,
        'rlt-tiny-async',
        config('rlt-tiny-async', a, 'async', a.iterations, base),
        a.window,
      );
      print('tiny    ', async_);
      results.tiny = { sync, async: async_ };
    }
    const figures = (r: { sync: ModeFigures; async: ModeFigures }) => ({
      syncWallS: +(r.sync.wallMs / 1000).toFixed(1),
      asyncWallS: +(r.async.wallMs / 1000).toFixed(1),
      ratio: +(r.async.wallMs / r.sync.wallMs).toFixed(3),
      asyncSteadyIterationS: +(r.async.steadyIterationMs / 1000).toFixed(1),
      asyncSteadyBoundS: +(r.async.steadyBoundMs / 1000).toFixed(1),
      boundRatio: +(r.async.steadyIterationMs / Math.max(1, r.async.steadyBoundMs)).toFixed(3),
      trainerBusy: { sync: +r.sync.trainerBusy.toFixed(2), async: +r.async.trainerBusy.toFixed(2) },
      sandboxBusy: { sync: +r.sync.sandboxBusy.toFixed(2), async: +r.async.sandboxBusy.toFixed(2) },
      staleness: { sync: r.sync.staleness, async: r.async.staleness },
    });
    if (results.standIn) out.standIn = figures(results.standIn);
    if (results.tiny) out.tiny = figures(results.tiny);
    const head = (out.standIn ?? out.tiny) as ReturnType<typeof figures>;
    out.ratio = head.ratio;
    out.target = TARGET;
    out.ok = !!out.standIn && head.ratio <= TARGET && head.boundRatio <= 1 + BOUND_SLACK;
  } finally {
    await stack.stop();
  }
  console.log(JSON.stringify(out));
}
