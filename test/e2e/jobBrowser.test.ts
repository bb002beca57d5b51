/**
 * The dashboard's job browser in a real browser against the example server: filters by
 * state and type, pages, a job's details, cancel and retry, judged by what the database
 * holds afterwards and, for a retried scan, by the NFO file the pipeline then writes.
 */
import { existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/tmp.js';
import { openDashboard, startExampleServer, type OpenDashboard, type RunningServer } from './exampleServer.js';

let dash: OpenDashboard;
let server: RunningServer;
let page: Page;
let db: Database.Database;
let libraryPath: string;
let alienFolder: string;
let failedId: string;
let restarted: RunningServer | undefined;

async function addJob(body: unknown): Promise<string> {
  const res = await fetch(`${server.url}/api/jobs`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

function stored(id: string): { state: string; attempts: number } | undefined {
  return db.prepare('SELECT state, attempts FROM jobs WHERE id = ?').get(id) as { state: string; attempts: number } | undefined;
}

const card = (): Locator => page.locator('#jobs');
const rows = (): Locator => page.locator('#jobs-body tr[data-job]');

async function filter(state: string, type: string): Promise<void> {
  await card().getByLabel('State', { exact: true }).selectOption(state);
  await card().getByLabel('Type', { exact: true }).selectOption(type);
}

/** The ids of the rows shown, once the table shows `count` rows. */
async function shownIds(count: number): Promise<string[]> {
  await expect.poll(() => rows().count()).toBe(count);
  return rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-job')!));
}

describe('job browser', () => {
  beforeAll(async () => {
    dash = await openDashboard();
    ({ server, page } = dash);
    ({ libraryPath } = (await (await fetch(`${server.url}/api/library`)).json()) as { libraryPath: string });
    db = new Database(path.join(dash.dataDir, 'phaseq.db'), { readonly: true });
    for (let i = 1; i <= 22; i++) await addJob({ type: 'scan-movie', payload: { libraryPath }, delayMs: i * 3_600_000 });
    for (const hours of [1, 2]) await addJob({ type: 'scheduled-cleanup', payload: { libraryPath }, delayMs: hours * 3_600_000 });
    // A scan of a movie folder that is not there (yet): it fails for good at once and is
    // kept, since the example server retains failed jobs.
    alienFolder = path.join(libraryPath, 'Alien (1979)');
    renameSync(alienFolder, `${alienFolder}.away`);
    failedId = await addJob({ type: 'scan-movie', payload: { moviePath: alienFolder }, maxRetries: 0 });
    await waitFor(() => stored(failedId)?.state === 'failed', 20_000, `job ${failedId} to fail`);
  });

  afterAll(async () => {
    db?.close();
    await restarted?.stop();
    await dash?.close();
  });

  it('filters by state and type, a page at a time', async () => {
    await filter('delayed', 'scan-movie');
    const first = await shownIds(20);
    expect(await page.locator('#jobs-range').textContent()).toBe('1–20 of 22');
    expect(await rows().locator('.badge').allTextContents()).toEqual(Array(20).fill('Delayed'));
    expect(new Set(await rows().locator('.job-type').allTextContents())).toEqual(new Set(['scan-movie']));
    expect(await card().getByRole('button', { name: 'Previous' }).isDisabled()).toBe(true);

    await card().getByRole('button', { name: 'Next' }).click();
    const second = await shownIds(2);
    expect(await page.locator('#jobs-range').textContent()).toBe('21–22 of 22');
    expect(await card().getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    expect(first).not.toContain(second[0]);
    // In claim order: the delayed scans by their run time, which follows their ids here.
    expect([...first, ...second].map(Number)).toEqual([...first, ...second].map(Number).sort((a, b) => a - b));
    await card().getByRole('button', { name: 'Previous' }).click();
    expect(await shownIds(20)).toEqual(first);

    await filter('delayed', 'scheduled-cleanup');
    await shownIds(2);
    expect(await page.locator('#jobs-range').textContent()).toBe('1–2 of 2');

    await filter('processing', '');
    await page.locator('#jobs-body tr.empty').filter({ hasText: 'No running jobs' }).waitFor();

    // The failed jobs card leads here, filtered.
    await page.getByRole('button', { name: 'Show all failed jobs' }).click();
    expect(await shownIds(1)).toEqual([failedId]);
    expect(await card().getByLabel('State', { exact: true }).inputValue()).toBe('failed');
  });

  it("shows a job's details: payload, attempts, last error, run time, progress", async () => {
    await filter('failed', '');
    const details = card().getByRole('button', { name: `Details of job ${failedId}` });
    await details.click();
    const dialog = page.getByRole('dialog', { name: `scan-movie #${failedId}` });
    await dialog.waitFor();
    const field = (name: string): Promise<string | null> => dialog.locator(`dd[data-field="${name}"]`).textContent();
    expect(JSON.parse((await field('payload'))!)).toEqual({ moviePath: alienFolder });
    expect(await field('state')).toBe('Failed');
    expect(await field('attempts')).toBe('1 of 1');
    expect(await field('last-error')).toContain(`moviePath "${alienFolder}" does not exist and no movie is stored there`);
    expect(await field('progress')).toBe('none reported');
    const { run_at: runAt } = db.prepare('SELECT run_at FROM jobs WHERE id = ?').get(failedId) as { run_at: number };
    expect(await dialog.locator('dd[data-field="run-time"] time').getAttribute('datetime')).toBe(new Date(runAt).toISOString());
    // A failed job offers Retry, not Cancel.
    expect(await dialog.getByRole('button', { name: `Retry job ${failedId}` }).isVisible()).toBe(true);
    expect(await dialog.getByRole('button', { name: `Cancel job ${failedId}` }).count()).toBe(0);

    // Escape closes it, and the keyboard focus goes back to the button that opened it.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await details.evaluate((b) => b === b.ownerDocument.activeElement)).toBe(true);
  });

  it('cancels a delayed job: it is gone from the database, the other one stays', async () => {
    await filter('delayed', 'scheduled-cleanup');
    const [victim, other] = await shownIds(2);
    await card()
      .getByRole('button', { name: `Cancel job ${victim}` })
      .click();
    await page
      .locator('#jobs-status')
      .filter({ hasText: `scheduled-cleanup cancelled (job #${victim})` })
      .waitFor();
    expect(await shownIds(1)).toEqual([other]);
    expect(stored(victim!)).toBeUndefined();
    expect(stored(other!)).toEqual({ state: 'pending', attempts: 0 });
    await page.locator('#count-delayed').filter({ hasText: /^23$/ }).waitFor();
  });

  it('cancels a running job: its worker is asked to stop it', async () => {
    // A job another process runs (the columns its claim sets; the lease outlasts the test).
    const id = await addJob({ type: 'scan-movie', payload: { libraryPath }, delayMs: 30 * 3_600_000 });
    const writer = new Database(path.join(dash.dataDir, 'phaseq.db'));
    try {
      writer
        .prepare(`UPDATE jobs SET state = 'processing', locked_by = 'other-host:1234', locked_until = ?, attempts = 1 WHERE id = ?`)
        .run(Date.now() + 3_600_000, id);
      await filter('processing', '');
      // The previous test left one row (a delayed job) on screen: wait for the new list, not for any one row.
      await page.locator(`#jobs-body tr[data-job="${id}"]`).waitFor();
      expect(await shownIds(1)).toEqual([id]);
      expect(await rows().locator('.badge').textContent()).toBe('Running');
      await card()
        .getByRole('button', { name: `Cancel job ${id}` })
        .click();
      // The API answers 202: the job ends when its handler returns, in the other process.
      await page
        .locator('#jobs-status')
        .filter({ hasText: `Cancelling scan-movie (job #${id})…` })
        .waitFor();
      expect(db.prepare('SELECT state, cancel_requested FROM jobs WHERE id = ?').get(id)).toEqual({
        state: 'processing',
        cancel_requested: 1,
      });
    } finally {
      // That process never existed: end its job as a completion would.
      writer.prepare('DELETE FROM jobs WHERE id = ?').run(id);
      writer.close();
    }
    await page.locator('#jobs-body tr.empty').filter({ hasText: 'No running jobs' }).waitFor();
  });

  it('retries a failed job from its details: it runs again, and this time the movie is published', async () => {
    renameSync(`${alienFolder}.away`, alienFolder);
    await filter('failed', '');
    await card()
      .getByRole('button', { name: `Details of job ${failedId}` })
      .click();
    const dialog = page.getByRole('dialog', { name: `scan-movie #${failedId}` });
    await dialog.getByRole('button', { name: `Retry job ${failedId}` }).click();
    await page
      .locator('#jobs-status')
      .filter({ hasText: /finished/ })
      .waitFor({ timeout: 20_000 });
    expect(await page.locator('#jobs-status').textContent()).toMatch(
      new RegExp(`^Retry of scan-movie finished \\(job #${failedId}\\) in [\\d.]+ m?s$`),
    );
    // Completed jobs are deleted; the dialog says so, with the outcome it saw.
    await dialog.getByText(`Job #${failedId} is no longer stored`).waitFor();
    expect(await dialog.textContent()).toContain(`Last seen: scan-movie finished (job #${failedId})`);
    expect(stored(failedId)).toBeUndefined();
    await page.keyboard.press('Escape');
    await page.locator('#jobs-body tr.empty').filter({ hasText: 'No failed jobs' }).waitFor();
    // The end state of the pipeline it started: the movie's NFO next to its video.
    await expect.poll(() => existsSync(path.join(alienFolder, 'Alien (1979).nfo')), { timeout: 20_000 }).toBe(true);
  });

  it('a job followed while the server restarts: a job no longer stored is said to have ended unseen', async () => {
    const id = await addJob({ type: 'scan-movie', payload: { libraryPath }, delayMs: 30 * 3_600_000 });
    const writer = new Database(path.join(dash.dataDir, 'phaseq.db'));
    try {
      // Run by another process, as above; cancelling it leaves the page following it.
      writer
        .prepare(`UPDATE jobs SET state = 'processing', locked_by = 'other-host:1234', locked_until = ?, attempts = 1 WHERE id = ?`)
        .run(Date.now() + 3_600_000, id);
      await filter('processing', '');
      await shownIds(1);
      await card()
        .getByRole('button', { name: `Cancel job ${id}` })
        .click();
      await page
        .locator('#jobs-status')
        .filter({ hasText: `Cancelling scan-movie (job #${id})…` })
        .waitFor();

      // The server stops (its event streams end), the job ends meanwhile, the server comes
      // back on the same address: the page reconnects and asks about the job it follows.
      const port = new URL(server.url).port;
      expect(await server.stop('SIGTERM')).toBe(0);
      await page.locator('#connection[data-state="reconnecting"]').waitFor();
      writer.prepare('DELETE FROM jobs WHERE id = ?').run(id);
      restarted = await startExampleServer({ PHASEQ_DATA: dash.dataDir, PORT: port });
    } finally {
      writer.close();
    }
    await page.locator('#connection[data-state="live"]').waitFor();
    await page
      .locator('#jobs-status')
      .filter({ hasText: `scan-movie ended (job #${id}) while the page was disconnected: its outcome was not seen` })
      .waitFor();
  });
});
