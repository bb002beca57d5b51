/**
 * The dashboard's layout in a real browser at a laptop's width (1280 px) and a phone's
 * (390 px), with every panel filled: the longest job type names, delayed and failed jobs,
 * schedules that ran, the charts of the last hour and the job types. Nothing may be cut
 * off and the page must not scroll sideways. (queueControls.test.ts checks the same with
 * job types that have limits, a paused type and jobs no worker can take.)
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, openDashboard, type OpenDashboard, type RunningServer } from './exampleServer.js';
import { layoutProblems } from './layout.js';

const OUTPUT = path.join(ROOT, 'test-output');

let dash: OpenDashboard;
let server: RunningServer;
let page: Page;
let failedId: string;

async function post(pathname: string, body: unknown): Promise<{ id: string }> {
  const res = await fetch(`${server.url}${pathname}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.ok).toBe(true);
  return (await res.json()) as { id: string };
}

describe('dashboard layout', () => {
  beforeAll(async () => {
    dash = await openDashboard();
    ({ server, page } = dash);
    const { libraryPath } = (await (await fetch(`${server.url}/api/library`)).json()) as { libraryPath: string };
    // Waiting jobs, and a job that fails for good (kept: the example server retains failures).
    for (const hours of [1, 2, 3]) {
      await post('/api/jobs', { type: 'scan-movie', payload: { libraryPath }, delayMs: hours * 3_600_000 });
    }
    ({ id: failedId } = await post('/api/jobs', {
      type: 'scan-movie',
      payload: { libraryPath: '/srv/elsewhere/a/folder/with/a/long/name/movies' },
    }));
    // Every schedule runs once (their job types are the longest names), then the library scan.
    for (const button of await page.getByRole('button', { name: /^Run .* now$/ }).all()) await button.click();
    await page.getByRole('button', { name: 'Scan library' }).click();
    // 3 scheduled jobs + 1 scan + 3 enrich + 3 publish.
    await page.locator('#count-done').filter({ hasText: /^10$/ }).waitFor({ timeout: 30_000 });
    await page.locator('#count-failed').filter({ hasText: /^1$/ }).waitFor();
  });

  afterAll(async () => {
    await dash?.close();
  });

  for (const width of [1280, 390]) {
    it(`fits a ${width} px wide window: no sideways scroll, nothing cut off`, async () => {
      await page.setViewportSize({ width, height: 900 });
      // Let the layout settle after the resize.
      await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
      mkdirSync(OUTPUT, { recursive: true });
      await page.screenshot({ path: path.join(OUTPUT, `dashboard-${width}.png`), fullPage: true });
      expect(await layoutProblems(page)).toEqual([]);
      // The panels the check walked are the ones a person sees.
      for (const name of ['Schedules', 'Jobs', 'Jobs by type and state', 'Job types']) {
        expect(await page.getByRole('table', { name, exact: true }).isVisible()).toBe(true);
      }
      for (const name of [/^Jobs completed and failed per minute/, /^Jobs stored per state/]) {
        expect(await page.getByRole('img', { name }).isVisible()).toBe(true);
      }
      await page.getByRole('rowheader', { name: 'scheduled-provider-update' }).first().waitFor();
      await page.getByRole('button', { name: 'Run scheduled-provider-update now' }).waitFor();
      expect(await page.locator('#jobs-body tr[data-job]').count()).toBe(4);

      // A job's details, with its long error and payload.
      await page
        .locator('#jobs')
        .getByRole('button', { name: `Details of job ${failedId}` })
        .click();
      const dialog = page.getByRole('dialog');
      await dialog.locator('dd[data-field="last-error"]').waitFor();
      await page.screenshot({ path: path.join(OUTPUT, `dashboard-${width}-details.png`) });
      expect(await layoutProblems(page)).toEqual([]);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
    });
  }
});
