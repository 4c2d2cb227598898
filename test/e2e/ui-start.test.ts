// Starting a pipeline from the Temporal Web UI, as a user would: the dev server's UI in headless Chromium, the
// "Start Workflow" form filled with the workflow type, task queue and the demo config as JSON (what
// docs/pipeline.md tells users to paste). Workers run stub rollout / gpu / scoring activities so the run is quick.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idsInTaskFile } from '../../activities/pipeline/tasks.ts';
import { loadPreset } from '../../config/load.ts';
import { TASK_QUEUES, WORKFLOW_TYPES, runWorkflowId } from '../../core/constants.ts';
import { statusQuery } from '../../workflows/definitions.ts';
import type { PipelineResult } from '../../workflows/pipeline.ts';
import { startPipelineEnv, type PipelineEnv } from '../workflows/helpers/env.ts';
import { eventually } from '../workflows/helpers/run.ts';

const REPO = join(import.meta.dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-gpu',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
const RUN = 'ui-demo-1';

let env: PipelineEnv;
let browser: Browser;
beforeAll(async () => {
  const demo = loadPreset('demo');
  // The demo reads tasks/mini/tasks.jsonl: every id in it must be in the task store.
  const taskIds = existsSync(join(REPO, demo.tasks.file))
    ? (idsInTaskFile(demo.tasks.file, REPO) ?? undefined)
    : undefined;
  env = await startPipelineEnv({ prefix: 'e2e-ui', ui: true, taskIds });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});
afterAll(async () => {
  await browser?.close();
  await env?.stop();
});

describe('Temporal Web UI', () => {
  it('starts the demo pipeline from the Start Workflow form; the run appears and answers its status query', async () => {
    const ui = env.stack.temporal!.uiUrl!;
    const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
    await page.goto(`${ui}/namespaces/default/workflows`);
    await page
      .getByRole('button', { name: 'Start Workflow' })
      .or(page.getByRole('link', { name: 'Start Workflow' }))
      .first()
      .click();
    await page.locator('#workflowId').fill(runWorkflowId(RUN));
    await page.locator('#taskQueue').fill(TASK_QUEUES.orchestrator);
    await page.locator('#workflowType').fill(WORKFLOW_TYPES.pipeline);
    const input = JSON.stringify({ runId: RUN, config: loadPreset('demo') });
    await page.getByLabel('Data').click();
    await page.keyboard.insertText(input);
    await page.getByTestId('start-workflow-button').click();

    const handle = env.client.workflow.getHandle(runWorkflowId(RUN));
    const d = await eventually('the run to appear', () => handle.describe());
    expect(d.type).toBe(WORKFLOW_TYPES.pipeline);
    expect(d.taskQueue).toBe(TASK_QUEUES.orchestrator);
    const status = await eventually('the status query to answer', () => handle.query(statusQuery));
    expect(status.runId).toBe(RUN);
    expect(status.workflowId).toBe(runWorkflowId(RUN));
    expect(Object.keys(status.stages)).toEqual([
      'distill',
      'difficulty',
      'filter',
      'sft',
      'rl',
      'sweWorld',
      'tts',
      'report',
    ]);

    // The UI lists the run, and the run's page shows it.
    await page.goto(`${ui}/namespaces/default/workflows`);
    await expect.poll(async () => page.getByText(runWorkflowId(RUN)).count(), { timeout: 30_000 }).toBeGreaterThan(0);

    const result = (await handle.result()) as PipelineResult;
    expect(result.runId).toBe(RUN);
    expect(Object.keys(result.stages)).toEqual([
      'distill',
      'difficulty',
      'filter',
      'sft',
      'rl',
      'sweWorld',
      'tts',
      'report',
    ]);
    // The demo holds out three tasks; TTS samples k = 4 candidates on each (stub rollouts here).
    expect(result.stages.tts).toMatchObject({ tasks: 3, k: 4 });
    const done = await handle.query(statusQuery);
    expect(done).toMatchObject({ state: 'completed', stage: 'done', rlIteration: 2 });
    await page.close();
  });
});
