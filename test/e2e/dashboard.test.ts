/**
 * The dashboard in a real browser (Debian's Chromium driven by playwright-core) against
 * the example server started as its README says.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, openDashboard, type OpenDashboard, type RunningServer } from './exampleServer.js';

const OUTPUT = path.join(ROOT, 'test-output');

let dash: OpenDashboard;
let server: RunningServer;
let page: Page;
let dataDir: string;

async function apiGet(pathname: string): Promise<unknown> {
  const res = await fetch(`${server.url}${pathname}`);
  return res.json();
}

describe('settings dashboard', () => {
  beforeAll(async () => {
    dash = await openDashboard();
    ({ server, page, dataDir } = dash);
  });

  afterAll(async () => {
    await dash?.close();
  });

  it('loads without a failed request, and has an icon (also at /favicon.ico)', async () => {
    const fresh = await dash.browser.newPage();
    const failed: string[] = [];
    fresh.on('response', (res) => {
      if (res.status() >= 400) failed.push(`${res.status()} ${res.url()}`);
    });
    fresh.on('requestfailed', (req) => failed.push(`${req.failure()?.errorText ?? 'failed'} ${req.url()}`));
    await fresh.goto(server.url);
    await fresh.locator('#connection[data-state="live"]').waitFor();
    const link = fresh.locator('link[rel="icon"]');
    const icon = new URL((await link.count()) > 0 ? ((await link.getAttribute('href')) ?? '') : 'no-icon-link', server.url).href;
    await fresh.close();
    expect(failed).toEqual([]);
    for (const url of [`${server.url}/favicon.ico`, icon]) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('image/svg+xml');
      expect(await res.text()).toContain('<svg');
    }
  });

  it('shows the four phases with fitting, labelled controls', async () => {
    for (const title of ['Scan', 'Enrichment', 'Publish', 'Player sync']) {
      await page.getByRole('heading', { name: title, exact: true }).waitFor();
    }
    const maxPoster = page.getByLabel('Posters to keep');
    expect(await maxPoster.getAttribute('type')).toBe('number');
    expect(await maxPoster.getAttribute('min')).toBe('0');
    expect(await maxPoster.getAttribute('max')).toBe('50');
    expect(await page.getByRole('switch', { name: 'Fetch provider artwork' }).isChecked()).toBe(true);
    expect(await page.getByLabel('Language').evaluate((el) => el.tagName)).toBe('SELECT');
    expect(await page.getByLabel('Language').inputValue()).toBe('en');
    const extensions = page.locator('#field-scan-videoExtensions input[data-item]');
    expect(await extensions.count()).toBeGreaterThan(5);
    expect(await page.locator('#field-scan-ignorePatterns input[data-item]').count()).toBeGreaterThan(3);
  });

  it('saves enrichment.maxPoster, and the value survives a reload', async () => {
    const form = page.locator('#phase-enrichment');
    await page.getByLabel('Posters to keep').fill('7');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    expect(await apiGet('/api/phase-config/enrichment')).toMatchObject({ maxPoster: 7 });
    await page.reload();
    await page.locator('#connection[data-state="live"]').waitFor();
    await expect.poll(() => page.getByLabel('Posters to keep').inputValue()).toBe('7');
  });

  it('shows the field error for an invalid value and saves nothing', async () => {
    const form = page.locator('#phase-enrichment');
    await page.getByLabel('Posters to keep').fill('99');
    await page.getByLabel('Trailers to keep').fill('2');
    await form.getByRole('button', { name: 'Save' }).click();
    const error = page.locator('#field-enrichment-maxPoster-error');
    await error.filter({ hasText: /\S/ }).waitFor();
    expect(await error.textContent()).toMatch(/50/);
    expect(await page.getByLabel('Posters to keep').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByRole('status').textContent()).toContain('Nothing was saved');
    mkdirSync(OUTPUT, { recursive: true });
    await form.screenshot({ path: path.join(OUTPUT, 'dashboard-invalid.png') });
    // All or nothing: the valid field of the same save was not stored either.
    expect(await apiGet('/api/phase-config/enrichment')).toMatchObject({ maxPoster: 7, maxTrailer: 1 });
    await page.reload();
    await page.locator('#connection[data-state="live"]').waitFor();
    await expect.poll(() => page.getByLabel('Posters to keep').inputValue()).toBe('7');
    expect(await page.locator('#field-enrichment-maxPoster-error').textContent()).toBe('');
  });

  it('edits a list and resets a phase to its defaults', async () => {
    const scan = page.locator('#phase-scan');
    await page.getByLabel('New item for Video extensions').fill('ogm');
    await scan.getByRole('button', { name: 'Add', exact: true }).last().click();
    await scan.getByRole('button', { name: 'Remove iso' }).click();
    await scan.getByRole('button', { name: 'Save' }).click();
    await scan.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const saved = (await apiGet('/api/phase-config/scan')) as { videoExtensions: string[] };
    expect(saved.videoExtensions).toContain('ogm');
    expect(saved.videoExtensions).not.toContain('iso');

    await page.locator('#phase-enrichment').getByRole('button', { name: 'Reset to defaults' }).click();
    await page.locator('#phase-enrichment').getByRole('status').filter({ hasText: 'Defaults restored' }).waitFor();
    expect(await page.getByLabel('Posters to keep').inputValue()).toBe('3');
    expect(await apiGet('/api/phase-config/enrichment')).toMatchObject({ maxPoster: 3 });
    // Resetting one phase leaves the others alone.
    expect(await apiGet('/api/phase-config/scan')).toMatchObject({ videoExtensions: saved.videoExtensions });
  });

  it('"Scan library" runs the pipeline and the counts move to done', async () => {
    await page.getByRole('button', { name: 'Scan library' }).click();
    await page
      .locator('#scan-status')
      .filter({ hasText: /^Scan (queued|running|finished)/ })
      .waitFor();
    // 1 scan + 3 enrich + 3 publish for the three sample movies.
    await page.locator('#count-done').filter({ hasText: /^7$/ }).waitFor({ timeout: 30_000 });
    // The counts come with the next `stats` event, which trails the last completion a little.
    await expect.poll(() => page.locator('#count-pending').textContent()).toBe('0');
    await expect.poll(() => page.locator('#count-processing').textContent()).toBe('0');
    expect(await page.locator('#count-failed').textContent()).toBe('0');
    expect(await page.locator('#by-type tr[data-type="publish"] td.done').textContent()).toBe('3');
    const nfo = readFileSync(path.join(dataDir, 'library', 'Alien (1979)', 'Alien (1979).nfo'), 'utf8');
    expect(nfo).toContain('<title>Alien</title>');

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT, 'dashboard.png'), fullPage: true });
    expect(existsSync(path.join(OUTPUT, 'dashboard.png'))).toBe(true);
  });
});
