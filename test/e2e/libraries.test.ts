/**
 * The dashboard's libraries panel in a real browser, against the example app run in this
 * process (its demo movie library and demo TV library, the local catalogue, no network):
 * both libraries listed with their kinds, folders and counts; Scan on the TV library shows
 * its pipeline phase by phase (each phase held with a pause, so that it is seen whatever
 * the machine's speed) and ends at "Done" with the TV counts filled; the page fits 1280
 * and 390 px with the panel filled.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, openPage, startExampleInProcess, type InProcessServer } from './exampleServer.js';
import { layoutProblems } from './layout.js';

const OUTPUT = path.join(ROOT, 'test-output');

let server: InProcessServer;
let browser: Browser;
let page: Page;

function library(kind: 'movies' | 'tvshows'): Locator {
  return page.locator(`#libraries-list li.library[data-kind="${kind}"]`);
}

async function count(kind: 'movies' | 'tvshows', key: string): Promise<string> {
  return library(kind).locator(`[data-count="${key}"]`).innerText();
}

/** Waits until the library's block shows `phase`. */
async function phase(kind: 'movies' | 'tvshows', name: string): Promise<void> {
  await page.locator(`#libraries-list li.library[data-kind="${kind}"][data-phase="${name}"]`).waitFor({ timeout: 30_000 });
}

describe('dashboard libraries panel', () => {
  beforeAll(async () => {
    server = await startExampleInProcess();
    ({ browser, page } = await openPage(server.url));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('lists the movie library and the TV library with their kinds, folders and empty counts', async () => {
    const { libraryPath, tvLibraryPath } = server.example;
    await phase('movies', 'done');
    await phase('tvshows', 'done');
    expect(await page.locator('#libraries-list li.library').count()).toBe(2);
    expect(await library('movies').locator('.kind').innerText()).toBe('Movies');
    expect(await library('tvshows').locator('.kind').innerText()).toBe('TV shows');
    expect(await library('movies').locator('.library-path').innerText()).toBe(libraryPath);
    expect(await library('tvshows').locator('.library-path').innerText()).toBe(tvLibraryPath);
    expect(await count('movies', 'movies')).toBe('0');
    for (const key of ['shows', 'seasons', 'episodes']) expect(await count('tvshows', key)).toBe('0');
    // A TV library has no movie count, and a movie library no show count.
    expect(await library('tvshows').locator('[data-count="movies"]').count()).toBe(0);
    expect(await library('movies').locator('[data-count="shows"]').count()).toBe(0);
  });

  it('Scan on the movie library runs its pipeline to "Done" with the movies counted', async () => {
    await page.getByRole('button', { name: `Scan Movies at ${server.example.libraryPath}`, exact: true }).click();
    await library('movies')
      .locator('.library-job')
      .filter({ hasText: /^Scan finished/ })
      .waitFor({ timeout: 30_000 });
    await library('movies').locator('[data-count="published"]').filter({ hasText: /^3$/ }).waitFor({ timeout: 30_000 });
    await phase('movies', 'done');
    expect(await count('movies', 'movies')).toBe('3');
    expect(await count('movies', 'enriched')).toBe('3');
    // The TV library was not touched.
    expect(await count('tvshows', 'shows')).toBe('0');
  }, 60_000);

  it('Scan on the TV library shows each phase while it waits and ends at "Done" with shows, seasons and episodes', async () => {
    const { queue } = server.example;
    const tv = library('tvshows');
    // Queued: nothing runs while the queue is paused.
    await queue.pause();
    await page.getByRole('button', { name: `Scan TV shows at ${server.example.tvLibraryPath}`, exact: true }).click();
    await phase('tvshows', 'scan');
    expect(await tv.locator('.step[data-phase="scan"] .step-counts').innerText()).toBe('1 pending');
    expect(await tv.locator('.step[data-phase="scan"]').getAttribute('data-state')).toBe('active');
    expect(await tv.locator('.library-state').innerText()).toBe('Scanning…');
    expect(await tv.locator('.library-job').innerText()).toMatch(/^Scan queued/);
    // The movie library is not busy for it.
    expect(await library('movies').getAttribute('data-phase')).toBe('done');

    // Scanned: the shows are counted, their enrichments wait.
    await queue.pause('enrich-tvshow');
    await queue.resume();
    await phase('tvshows', 'enrich');
    await tv
      .locator('.step[data-phase="enrich"] .step-counts')
      .filter({ hasText: /^2 pending$/ })
      .waitFor();
    expect(await tv.locator('.step[data-phase="scan"] .step-counts').innerText()).toBe('—');
    expect(await tv.locator('.library-state').innerText()).toBe('Enriching…');
    expect(await count('tvshows', 'shows')).toBe('2');
    expect(await count('tvshows', 'enriched')).toBe('0');
    await tv
      .locator('.library-job')
      .filter({ hasText: /^Scan finished.*2 shows, 4 episodes found, 2 sent to enrichment/ })
      .waitFor();

    // Enriched and published: done.
    await queue.resume('enrich-tvshow');
    await phase('tvshows', 'done');
    await tv.locator('[data-count="published"]').filter({ hasText: /^2$/ }).waitFor({ timeout: 30_000 });
    expect(await tv.locator('.library-state').innerText()).toMatch(/^Done/);
    expect(await count('tvshows', 'shows')).toBe('2');
    expect(await count('tvshows', 'seasons')).toBe('2');
    expect(await count('tvshows', 'episodes')).toBe('4');
    expect(await count('tvshows', 'enriched')).toBe('2');
    for (const p of ['scan', 'enrich', 'publish', 'playerSync']) {
      expect(await tv.locator(`.step[data-phase="${p}"] .step-counts`).innerText()).toBe('—');
    }
  }, 60_000);

  it('Refresh on the TV library enriches every show again and ends at "Done" with the same counts', async () => {
    const tv = library('tvshows');
    const failedBefore = (await server.example.queue.getStats()).failed;
    await page.getByRole('button', { name: `Refresh TV shows at ${server.example.tvLibraryPath}`, exact: true }).click();
    await tv
      .locator('.library-job')
      .filter({ hasText: /^Refresh finished.*2 shows, 4 episodes found, 2 sent to enrichment/ })
      .waitFor({ timeout: 30_000 });
    await phase('tvshows', 'done');
    expect(await count('tvshows', 'shows')).toBe('2');
    expect(await count('tvshows', 'episodes')).toBe('4');
    expect(await count('tvshows', 'published')).toBe('2');
    // Nothing failed on the way.
    expect((await server.example.queue.getStats()).failed).toBe(failedBefore);
  }, 60_000);

  for (const width of [1280, 390]) {
    it(`fits a ${width} px wide window with both libraries filled: no sideways scroll, nothing cut off`, async () => {
      await page.setViewportSize({ width, height: 900 });
      await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
      mkdirSync(OUTPUT, { recursive: true });
      await page.locator('#libraries').screenshot({ path: path.join(OUTPUT, `libraries-${width}.png`) });
      expect(await layoutProblems(page)).toEqual([]);
      expect(await page.getByRole('list', { name: 'Libraries', exact: true }).isVisible()).toBe(true);
    });
  }
});
