/**
 * The dashboard's queue panel in a real browser against the example server: its counts
 * use the library's one definition of pending and delayed (`getStats()`), and the running
 * jobs it lists are the ones the tiles count, whichever process runs them.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDashboard, type OpenDashboard, type RunningServer } from './exampleServer.js';

let dash: OpenDashboard;
let server: RunningServer;
let page: Page;
let libraryPath: string;
/** Every library the example server configures (movies and TV), as the refusal lists them. */
let libraries: string[];
let db: Database.Database;

async function addJob(body: unknown): Promise<string> {
  const res = await fetch(`${server.url}/api/jobs`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const text = (selector: string): Promise<string | null> => page.locator(selector).textContent();

describe('queue panel', () => {
  beforeAll(async () => {
    dash = await openDashboard();
    ({ server, page } = dash);
    const answer = (await (await fetch(`${server.url}/api/library`)).json()) as { libraryPath: string; libraries: { path: string }[] };
    libraryPath = answer.libraryPath;
    libraries = answer.libraries.map((library) => library.path);
    db = new Database(path.join(dash.dataDir, 'phaseq.db'));
  });

  afterAll(async () => {
    db?.close();
    await dash?.close();
  });

  it('counts delayed jobs as delayed in the tiles and in the table by type', async () => {
    for (const hours of [1, 2, 3]) await addJob({ type: 'scan-movie', payload: { libraryPath }, delayMs: hours * 3_600_000 });
    await page.locator('#count-delayed').filter({ hasText: /^3$/ }).waitFor();
    expect(await text('#count-pending')).toBe('0');
    const row = '#by-type tr[data-type="scan-movie"]';
    await page.locator(`${row} td[data-state="delayed"]`).filter({ hasText: /^3$/ }).waitFor();
    expect(await text(`${row} td[data-state="pending"]`)).toBe('0');
    // The same numbers as the library's getStats(), which the API serves.
    const stats = (await (await fetch(`${server.url}/api/jobs/stats`)).json()) as { byType: Record<string, unknown> };
    expect(stats.byType['scan-movie']).toMatchObject({ pending: 0, delayed: 3, processing: 0, failed: 0 });
  });

  it('"Scan library" follows its job to the end and says what the scan found', async () => {
    await page.getByRole('button', { name: 'Scan library' }).click();
    const status = page.locator('#scan-status');
    await status.filter({ hasText: /^Scan finished/ }).waitFor({ timeout: 30_000 });
    expect(await status.textContent()).toMatch(
      /^Scan finished \(job #\d+\) in [\d.]+ m?s: 3 movies found \(3 new, 0 changed, 0 removed\), 3 sent to enrichment$/,
    );
    expect(await status.getAttribute('class')).toContain('ok');
  });

  it('a retried failed job is followed to its outcome, with the reason it failed again', async () => {
    const id = await addJob({ type: 'scan-movie', payload: { libraryPath: '/srv/not-a-library' } });
    const item = page.locator('#failures li.job').filter({ hasText: `#${id}` });
    await item.waitFor();
    await item.getByRole('button', { name: `Retry job ${id}` }).click();
    const status = page.locator('#failure-status');
    await status.filter({ hasText: /failed \(job/ }).waitFor();
    expect(await status.textContent()).toBe(
      `Retry of scan-movie failed (job #${id}): libraryPath "/srv/not-a-library" is not one of the configured libraries (${libraries.join(', ')})`,
    );
    // It ran once more, and is kept as failed again.
    const row = db.prepare('SELECT state, attempts FROM jobs WHERE id = ?').get(id);
    expect(row).toEqual({ state: 'failed', attempts: 1 });
  });

  it('lists the running jobs the tiles count, also those another process runs', async () => {
    // Another process on the same database claims two jobs: the columns its claim statement
    // sets, with a lease that outlasts the test. (Delayed, so that this server's workers
    // leave them alone until then.)
    const ids: string[] = [];
    for (const hours of [5, 6]) ids.push(await addJob({ type: 'scan-movie', payload: { libraryPath }, delayMs: hours * 3_600_000 }));
    const claim = db.prepare(
      `UPDATE jobs SET state = 'processing', locked_by = 'other-host:1234', locked_until = ?, attempts = attempts + 1 WHERE id = ?`,
    );
    for (const id of ids) claim.run(Date.now() + 3_600_000, id);
    // A job of this server's own: its events make the page refresh at once.
    await addJob({ type: 'scan-movie', payload: { libraryPath }, delayMs: 7_200_000 });

    await page.locator('#count-processing').filter({ hasText: /^2$/ }).waitFor();
    const listed = async (): Promise<string[]> => page.locator('#running li').evaluateAll((lis) => lis.map((li) => li.textContent ?? ''));
    await expect.poll(listed).toEqual(ids.map((id) => `scan-movielibrary#${id}`));
    expect(await text('#by-type tr[data-type="scan-movie"] td[data-state="processing"]')).toBe('2');

    // The other process finishes them (completed jobs are deleted), with no event here:
    // the page still learns of it, and the tile and the list change together.
    const complete = db.prepare('DELETE FROM jobs WHERE id = ?');
    for (const id of ids) complete.run(id);
    await page.locator('#count-processing').filter({ hasText: /^0$/ }).waitFor();
    expect(await listed()).toEqual(['Nothing is running']);
  });
});
