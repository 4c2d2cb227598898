// The Temporal Web UI explains a run without a query: a run started the way the UI's form starts one — a Workflow
// ID of the user's choosing, without the run- prefix, and an input with no runId — takes its run id from the
// Workflow ID, and its page in headless Chromium shows the summary and the current stage (setCurrentDetails).
// Workers run stub rollout / gpu / scoring activities, as in ui-start.test.ts.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idsInTaskFile } from '../../activities/pipeline/tasks.ts';
import { loadPreset } from '../../config/load.ts';
import { TASK_QUEUES, WORKFLOW_TYPES } from '../../core/constants.ts';
import { statusQuery } from '../../workflows/definitions.ts';
import { runDetails, runSummary } from '../../workflows/details.ts';
import { startPipelineEnv, type PipelineEnv } from '../workflows/helpers/env.ts';
import { eventually } from '../workflows/helpers/run.ts';

const REPO = join(import.meta.dirname, '..', '..');
const ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run'];
const WORKFLOW_ID = 'ui-details-1';

let env: PipelineEnv;
let browser: Browser;
beforeAll(async () => {
  const demo = loadPreset('demo');
  const taskIds = existsSync(join(REPO, demo.tasks.file))
    ? (idsInTaskFile(demo.tasks.file, REPO) ?? undefined)
    : undefined;
  env = await startPipelineEnv({ prefix: 'e2e-ui-details', ui: true, taskIds });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
});
afterAll(async () => {
  await browser?.close();
  await env?.stop();
});

const cli = (args: string[], address: string) =>
  new Promise<{ code: number; stdout: string }>((done) =>
    execFile(
      process.execPath,
      [join(REPO, 'bin', 'swe-forge.mjs'), ...args],
      { env: { ...process.env, TEMPORAL_ADDRESS: address } },
      (err, stdout) => done({ code: err ? Number(err.code ?? 1) : 0, stdout }),
    ),
  );

/** The page's text, frames included: the UI renders the markdown of summaries and details in iframes. */
async function pageText(page: Page): Promise<string> {
  const texts = await Promise.all(
    page.frames().map((f) =>
      f
        .locator('body')
        .innerText()
        .catch(() => ''),
    ),
  );
  return texts.join('\n');
}

describe('Temporal Web UI details', () => {
  it('a run without runId under any Workflow ID: run id from the ID, stage shown on its page', async () => {
    const config = loadPreset('demo');
    const handle = await env.client.workflow.start(WORKFLOW_TYPES.pipeline, {
      taskQueue: TASK_QUEUES.orchestrator,
      workflowId: WORKFLOW_ID,
      args: [{ config }],
      staticSummary: runSummary(WORKFLOW_ID, config),
      staticDetails: runDetails(config),
    });
    const status = await eventually('the status query to answer', () => handle.query(statusQuery));
    expect(status.runId).toBe(WORKFLOW_ID);

    // The CLI finds it under its run id although the Workflow ID lacks the run- prefix.
    const address = env.stack.temporal!.address;
    const s = await cli(['status', WORKFLOW_ID, '--json'], address);
    expect(JSON.parse(s.stdout)).toMatchObject({ runId: WORKFLOW_ID, workflowId: WORKFLOW_ID });

    const page = await browser.newPage({ viewport: { width: 1400, height: 1400 } });
    const url = `${env.stack.temporal!.uiUrl!}/namespaces/default/workflows/${WORKFLOW_ID}`;
    await page.goto(url);
    // The run's page, tab "User Metadata": Summary, Details and Current Details.
    await page.getByText('User Metadata', { exact: true }).first().click();
    // Current details are markdown: "**Stage:** distill · **State:** running" renders as "Stage: distill ...".
    await expect
      .poll(async () => (await pageText(page)).match(/Stage:\s*(\w+)/)?.[1] ?? null, {
        timeout: 60_000,
        interval: 2_000,
      })
      .toMatch(/^(starting|distill|difficulty|filter|sft|rl|sweWorld|tts|report|done)$/);
    const text = await pageText(page);
    expect(text).toContain(runSummary(WORKFLOW_ID, config));
    expect(text).toMatch(/Stages:\s*distill → difficulty/);

    await handle.result();
    await page.reload();
    await page.getByText('User Metadata', { exact: true }).first().click();
    await expect
      .poll(async () => (await pageText(page)).match(/Stage:\s*(\w+)/)?.[1] ?? null, {
        timeout: 60_000,
        interval: 2_000,
      })
      .toBe('done');
    await page.close();
  });
});
