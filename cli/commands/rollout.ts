// `swe-forge rollout --task ID --model NAME [--n K] [--json]`: rollouts outside a pipeline, same code as the
// activity (container, agent loop, grading, reward, row + trajectory), streamed as they happen; infrastructure
// errors are retried here the way Temporal would. `swe-forge trajectory show ID|FILE`: one trajectory.
import type { Command } from 'commander';
import { ConfigError, InfraError, InputError } from '../../core/errors.ts';
import { issueLines } from '../../core/zodIssues.ts';
import { loadPreset, loadRunConfig } from '../../config/load.ts';
import { ModelEndpointSchema, type ModelEndpoint, type RunConfig } from '../../config/schema.ts';
import { createRolloutDeps } from '../../activities/agent/activity.ts';
import { ModelUnavailableError } from '../../activities/agent/protocols.ts';
import { performRollout } from '../../activities/agent/rollout.ts';
import { getRollout } from '../../activities/agent/rolloutStore.ts';
import { readTrajectory } from '../../activities/trajectory/store.ts';
import type { RolloutInput, RolloutStage, RolloutSummary } from '../../contracts/rollout.ts';
import { connectDocker } from '../../infra/docker.ts';
import { loadSettings } from '../../infra/settings.ts';
import { withDatabase } from '../database.ts';
import { action, printJson } from '../output.ts';
import { formatMessage, formatSummary, summaryJson } from './rolloutFormat.ts';

/**
 * The database helpers stop an embedded Postgres right after pool.end(), which resolves before idle sockets
 * close; the server's goodbye (57P01) then arrives as an 'error' on the pool, and with no listener it kills the
 * process after the command's work is done. Idle-client errors carry no information for a finished command.
 */

const STAGES: RolloutStage[] = ['distill', 'difficulty', 'rl', 'tts', 'eval'];

interface RolloutOpts {
  task: string;
  model: string;
  n: string;
  config?: string;
  seed?: string;
  runId?: string;
  stage: string;
  baseUrl?: string;
  toolFormat?: string;
  json?: boolean;
}

/** The endpoint named --model in the config (teachers, policy, verifier); --base-url overrides or defines one. */
export function pickModel(cfg: RunConfig, o: Pick<RolloutOpts, 'model' | 'baseUrl' | 'toolFormat'>): ModelEndpoint {
  const known = [...cfg.models.teachers, cfg.models.policy, ...(cfg.models.verifier ? [cfg.models.verifier] : [])];
  const found = known.find((m) => m.name === o.model);
  if (!found && !o.baseUrl) {
    throw new InputError(
      `--model ${o.model}: not in the config (known: ${known.map((m) => m.name).join(', ')}); or pass --base-url`,
    );
  }
  const raw = {
    ...(found ?? { name: o.model, kind: 'openai' }),
    ...(o.baseUrl
      ? { baseUrl: o.baseUrl, kind: found?.kind === 'scripted' ? 'openai' : (found?.kind ?? 'openai') }
      : {}),
    ...(o.toolFormat ? { toolFormat: o.toolFormat } : {}),
  };
  const parsed = ModelEndpointSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(`--model ${o.model}: ${issueLines(parsed.error, raw).join('; ')}`);
  if (parsed.data.kind !== 'scripted' && !parsed.data.baseUrl) {
    throw new ConfigError(
      `model ${o.model} (kind ${parsed.data.kind}) has no baseUrl: pass --base-url (e.g. the trainer's \`serve\` URL)`,
    );
  }
  return parsed.data;
}

const intOpt = (name: string, v: string | undefined, min: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InputError(`${name}: expected an integer >= ${min} (received ${v})`);
  return n;
};

async function withRetries(
  input: RolloutInput,
  run: (attempt: number) => Promise<RolloutSummary>,
  warn: (m: string) => void,
) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(attempt);
    } catch (err) {
      const retryable = err instanceof InfraError || err instanceof ModelUnavailableError;
      if (!retryable || attempt >= input.sandbox.infraMaxAttempts) throw err;
      warn(`attempt ${attempt} hit ${(err as Error).name}: ${(err as Error).message}; retrying`);
      await new Promise((r) => setTimeout(r, 2000 * attempt));
    }
  }
}

async function rollouts(opts: RolloutOpts): Promise<void> {
  const cfg = opts.config ? loadRunConfig(opts.config) : loadPreset('demo');
  const model = pickModel(cfg, opts);
  const n = intOpt('--n', opts.n, 1);
  if (!STAGES.includes(opts.stage as RolloutStage))
    throw new InputError(`--stage: one of ${STAGES.join(', ')} (received ${opts.stage})`);
  const seed = opts.seed !== undefined ? intOpt('--seed', opts.seed, 0) : cfg.seed;
  const runId =
    opts.runId ?? `adhoc-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}`;
  const settings = loadSettings();
  const docker = await connectDocker(settings.dockerHost);
  const abort = new AbortController();
  const onSigint = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  const say = (s: string) => (opts.json ? undefined : console.log(s));
  try {
    await withDatabase(
      async (pool) => {
        const { rolloutDeps, models } = createRolloutDeps({ pool, settings, docker });
        try {
          for (let sample = 0; sample < n; sample++) {
            const input: RolloutInput = {
              runId,
              stage: opts.stage as RolloutStage,
              taskId: opts.task,
              sample,
              model,
              agent: cfg.agent,
              sandbox: cfg.sandbox,
              alpha: cfg.stages.rl.alpha,
              seed,
            };
            say(
              `── rollout ${opts.task} #${sample} · model ${model.name} (${model.kind}) · run ${runId} · seed ${seed}`,
            );
            const summary = await withRetries(
              input,
              (attempt) =>
                performRollout(rolloutDeps, input, {
                  attempt,
                  signal: abort.signal,
                  onMessage: (m) => say(formatMessage(m)),
                }),
              (m) => console.error(`warning: ${m}`),
            );
            if (opts.json) printJson(summaryJson(summary));
            else
              say(
                `${summary.outcome === 'resolved' ? '✓' : '✗'} ${formatSummary(summary)}\n  trajectory: ${summary.trajectoryPath} (swe-forge trajectory show ${summary.rolloutId})`,
              );
          }
        } finally {
          await models.close();
        }
      },
      { settings, create: true },
    );
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function show(id: string, opts: { json?: boolean; full?: boolean }): Promise<void> {
  if (!/^\d+$/.test(id)) {
    const messages = readTrajectory(id);
    if (opts.json) printJson({ path: id, messages });
    else messages.forEach((m) => console.log(formatMessage(m, opts.full)));
    return;
  }
  await withDatabase(async (pool) => {
    const row = await getRollout(pool, Number(id));
    if (!row) throw new InputError(`no rollout with id ${id}`);
    const messages = row.trajectory_path ? readTrajectory(row.trajectory_path) : [];
    if (opts.json) return printJson({ rollout: row, messages });
    console.log(
      `rollout ${row.id}: run ${row.run_id} · ${row.stage} · ${row.task_id} #${row.sample} · model ${row.model} · attempt ${row.attempt}`,
    );
    console.log(
      formatSummary({
        exitReason: row.exit_reason,
        forced: row.forced,
        outcome: row.outcome,
        reward: row.reward,
        masked: row.masked,
        maskReason: row.mask_reason,
        turns: row.turns,
        tokens: row.tokens,
        historyAttempts: row.history_attempts,
        loopCount: row.loop_count,
      }),
    );
    if (row.error) console.log(`error: ${row.error}`);
    console.log(`trajectory: ${row.trajectory_path}\n`);
    messages.forEach((m) => console.log(formatMessage(m, opts.full)));
    if (row.patch) console.log(`\npatch:\n${row.patch}`);
  });
}

export function registerRollout(program: Command): void {
  program
    .command('rollout')
    .description('Run agent rollouts on one task outside a pipeline, streaming the trajectory')
    .requiredOption('--task <id>', 'task instance id (import tasks first: swe-forge tasks import FILE)')
    .requiredOption(
      '--model <name>',
      'a model named in the config (teachers, policy, verifier), or any name with --base-url',
    )
    .option('--n <k>', 'number of rollouts (samples 0..k-1)', '1')
    .option('--config <file>', 'run config (default: the demo preset)')
    .option('--seed <n>', 'sampling seed (default: the config seed)')
    .option('--run-id <id>', 'run id the rows are recorded under (default: adhoc-<time>)')
    .option('--stage <stage>', `stage recorded on the rows (${STAGES.join(', ')})`, 'eval')
    .option('--base-url <url>', 'OpenAI-compatible endpoint for the model (vLLM, SGLang, trainer serve)')
    .option('--tool-format <format>', 'native | text (overrides the config)')
    .option('--json', 'one JSON object per rollout (task, sample, exit_reason, outcome, reward, masked, turns, ...)')
    .action(action(rollouts));

  // The `trajectory` group is shared with `trajectory html` (report.ts): join it if it is already there.
  const trajectory =
    program.commands.find((c) => c.name() === 'trajectory') ??
    program.command('trajectory').description('Inspect stored rollout trajectories');
  trajectory
    .command('show')
    .argument('<id>', 'rollout id (from `swe-forge rollout` or the rollouts table) or a trajectory .jsonl path')
    .option('--full', 'print messages whole (default: long ones cut)')
    .option('--json', 'print { rollout, messages } as one JSON object')
    .description('Print one trajectory with its summary')
    .action(action(show));
}
