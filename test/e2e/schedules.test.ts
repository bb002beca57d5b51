/**
 * The dashboard's schedules panel in a real browser (Debian's Chromium driven by
 * playwright-core) against the example server started as its README says: the three
 * media maintenance schedules with their next runs, and "Run now" queuing a job that runs.
 * Then the same server with `PHASEQ_WEBHOOK_SECRET`, as its README's webhook section says.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, openDashboard, startExampleServer, type OpenDashboard, type RunningServer } from './exampleServer.js';

const OUTPUT = path.join(ROOT, 'test-output');
const MEDIA_SCHEDULES = ['scheduled-cleanup', 'scheduled-provider-update', 'scheduled-verification'];

let dash: OpenDashboard;
let server: RunningServer;
let page: Page;

describe('schedules panel', () => {
  beforeAll(async () => {
    dash = await openDashboard();
    ({ server, page } = dash);
  });

  afterAll(async () => {
    await dash?.close();
  });

  it('lists the three media schedules with their trigger, job type and next run time', async () => {
    const table = page.getByRole('table', { name: 'Schedules' });
    for (const name of MEDIA_SCHEDULES) await table.getByRole('rowheader', { name, exact: true }).waitFor();
    expect(await table.locator('tbody tr').count()).toBe(3);

    const { schedules } = (await (await fetch(`${server.url}/api/schedules`)).json()) as {
      schedules: { name: string; cron: string; nextRunAt: number }[];
    };
    for (const s of schedules) {
      const row = table.locator(`tr[data-schedule="${s.name}"]`);
      const cells = row.locator('td');
      expect(await cells.nth(0).textContent()).toBe(s.cron);
      expect(await cells.nth(1).textContent()).toBe(s.name);
      expect(await cells.nth(2).textContent()).toBe('never');
      // The next run is shown in the browser's time, from the server's epoch milliseconds.
      expect(await cells.nth(3).getAttribute('data-time')).toBe(String(s.nextRunAt));
      expect(await cells.nth(3).locator('time').getAttribute('datetime')).toBe(new Date(s.nextRunAt).toISOString());
      expect(await cells.nth(3).textContent()).toMatch(/in \d+ (min|h|d)$/);
    }
  });

  it('"Run now" queues the job, shows its id, and the job runs', async () => {
    const doneBefore = Number(await page.locator('#count-done').textContent());
    await page.getByRole('button', { name: 'Run scheduled-verification now' }).click();
    // The status line follows the job to its end.
    const status = page.locator('#schedule-status');
    await status.filter({ hasText: /finished/ }).waitFor({ timeout: 20_000 });
    expect(await status.textContent()).toMatch(/^scheduled-verification finished \(job #\d+\) in [\d.]+ m?s$/);
    const jobId = /job #(\d+)/.exec((await status.textContent()) ?? '')![1]!;

    // The job ran: the queue panel counts it as done, under its type.
    await expect
      .poll(() => page.locator('#by-type tr[data-type="scheduled-verification"] td.done').textContent(), { timeout: 20_000 })
      .toBe('1');
    expect(Number(await page.locator('#count-done').textContent())).toBe(doneBefore + 1);
    const job = await fetch(`${server.url}/api/jobs/${jobId}`);
    // Finished jobs are not kept by the example server.
    expect(job.status).toBe(404);

    mkdirSync(OUTPUT, { recursive: true });
    await page.locator('section.schedules').screenshot({ path: path.join(OUTPUT, 'schedules.png') });
  });

  it('shows the API error of a schedule that is gone', async () => {
    // As if another process removed the schedule while the page still shows it: the
    // request goes to the real API, for a name it does not know.
    await page.route('**/api/schedules/scheduled-cleanup/run', (route) =>
      route.continue({ url: `${server.url}/api/schedules/no-such-schedule/run` }),
    );
    await page.getByRole('button', { name: 'Run scheduled-cleanup now' }).click();
    await page.locator('#schedule-status.error').waitFor();
    expect(await page.locator('#schedule-status').textContent()).toBe('scheduled-cleanup not run: No schedule named "no-such-schedule"');
  });
});

describe('example server webhooks (PHASEQ_WEBHOOK_SECRET)', () => {
  const SECRET = 'a-secret-of-some-length';
  let hooked: RunningServer | undefined;
  let hookedDir: string | undefined;

  afterAll(async () => {
    await hooked?.stop();
    if (hookedDir) rmSync(hookedDir, { recursive: true, force: true });
  });

  function radarrDownload(folderPath: string): Record<string, unknown> {
    const fixture = JSON.parse(readFileSync(path.join(ROOT, 'test/webhooks/fixtures/radarr/Download.json'), 'utf8')) as {
      movie: Record<string, unknown>;
    };
    return { ...fixture, movie: { ...fixture.movie, folderPath } };
  }

  async function deliver(body: unknown, secret = SECRET): Promise<Response> {
    return fetch(`${hooked!.url}/api/webhooks/radarr?secret=${encodeURIComponent(secret)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  it("maps Radarr's /movies to the demo library and publishes the movie it names", async () => {
    hookedDir = mkdtempSync(path.join(tmpdir(), 'phaseq-e2e-'));
    hooked = await startExampleServer({ PHASEQ_DATA: hookedDir, PHASEQ_WEBHOOK_SECRET: SECRET });

    const test = await deliver({ eventType: 'Test' });
    expect(test.status).toBe(200);
    expect((await deliver({ eventType: 'Test' }, 'not-the-secret')).status).toBe(401);
    const outside = await deliver(radarrDownload('/elsewhere/Alien (1979)'));
    expect(outside.status).toBe(422);
    expect(((await outside.json()) as { error: { code: string } }).error.code).toBe('PATH_OUTSIDE_LIBRARY');

    const accepted = await deliver(radarrDownload('/movies/Alien (1979)'));
    expect(accepted.status).toBe(202);
    const nfo = path.join(hookedDir, 'library', 'Alien (1979)', 'Alien (1979).nfo');
    await expect.poll(() => existsSync(nfo), { timeout: 30_000 }).toBe(true);
    expect(readFileSync(nfo, 'utf8')).toContain('<movie>');
    // Only the movie the webhook named was scanned.
    expect(existsSync(path.join(hookedDir, 'library', 'The Matrix (1999)', 'The Matrix (1999).nfo'))).toBe(false);
  });

  it('refuses to start with a secret that is too short (exit 2, the reason logged)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'phaseq-e2e-'));
    try {
      await expect(startExampleServer({ PHASEQ_DATA: dir, PHASEQ_WEBHOOK_SECRET: 'short' })).rejects.toThrow(
        /exited early \(2\)[\s\S]*secret must have at least 16 characters/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
