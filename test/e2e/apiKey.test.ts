/** The dashboard of a server that needs an API key, in a real browser. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startExampleServer, type RunningServer } from './exampleServer.js';

const KEY = 'dashboard-key-123';
let server: RunningServer;
let browser: Browser;
let dataDir: string;

describe('dashboard with an API key', () => {
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'phaseq-e2e-key-'));
    server = await startExampleServer({ PHASEQ_DATA: dataDir, PHASEQ_API_KEY: KEY });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('asks for the key, then loads the settings and follows the events with it', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.locator('#connection[data-state="unauthorized"]').waitFor();
    expect(await page.locator('#phase-forms').textContent()).toContain('API key');
    // The job types and the charts say so too, and draw nothing.
    await page.locator('#types-body').filter({ hasText: 'API key needed' }).waitFor();
    await page.locator('#history-status').filter({ hasText: 'API key needed' }).waitFor();
    expect(await page.locator('#history svg').count()).toBe(0);

    await page.getByLabel('API key').fill('wrong-key-000');
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.locator('#connection[data-state="unauthorized"]').waitFor();

    await page.getByLabel('API key').fill(KEY);
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.locator('#connection[data-state="live"]').waitFor();
    await expect.poll(() => page.getByLabel('Posters to keep').inputValue()).toBe('3');
    expect(await page.locator('#key-form').isHidden()).toBe(true);
    // With the key, the job types and the charts load.
    await page.locator('#types-body tr[data-type="scan-movie"]').waitFor();
    await page.locator('#chart-outcomes svg').waitFor();
    expect(await page.locator('#history-status').textContent()).toBe('');

    // A change made elsewhere (here: with curl-like fetch) reaches the open page as an event.
    const res = await fetch(`${server.url}/api/phase-config/enrichment`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ maxPoster: 12 }),
    });
    expect(res.status).toBe(200);
    await expect.poll(() => page.getByLabel('Posters to keep').inputValue()).toBe('12');
  });
});
