/**
 * The dashboard's queue controls and charts in a real browser, against the example app run
 * in this process with two job types of a host's own (with limits) beside the media ones:
 * the limits shown are the registrations'; Pause and Resume, for the whole queue and per
 * type, change what the storage says (read with a queue of its own on the database file)
 * and hold or release the jobs; jobs no running worker can take are pointed out; the
 * charts draw `GET /api/metrics/history`'s numbers; and the page fits 1280 and 390 px with
 * all of it filled.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, SQLiteJobQueueStorage, definePlugin, type Registration } from '../../src/index.js';
import { ROOT, openPage, startExampleInProcess, type InProcessServer } from './exampleServer.js';
import { layoutProblems } from './layout.js';

const OUTPUT = path.join(ROOT, 'test-output');

/** A host's own job types, with limits. `fail-render` fails for good at once. */
const demo = definePlugin({
  name: 'demo',
  jobs: {
    'transcode-video': {
      schema: z.object({ disk: z.string() }),
      handler: async () => {},
      concurrency: 2,
      group: { by: (p) => p.disk, concurrency: 1, rateLimit: { max: 6, durationMs: 60_000 } },
    },
    'fetch-artwork': {
      schema: z.object({ n: z.number() }),
      handler: async () => {},
      concurrency: 4,
      rateLimit: { max: 40, durationMs: 1000 },
    },
    'fail-render': {
      schema: z.object({}),
      handler: async () => {
        throw new Error('the renderer is out of ink');
      },
      maxRetries: 0,
    },
  },
});

let server: InProcessServer;
let page: Page;
let browser: Browser;
/** A queue of its own on the same database file: what the storage says, not the page. */
let reader: JobQueue;

async function addJob(body: unknown): Promise<string> {
  const res = await fetch(`${server.url}/api/jobs`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** Resolves once the job is no longer stored (it completed: finished jobs are deleted). */
async function finished(id: string): Promise<void> {
  while ((await reader.getJob(id)) !== null) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** The limits a registration puts on its type, in the page's words. */
function expectedLimits(registration: Registration | undefined): string[] {
  if (!registration) return ['not registered on this server'];
  const lines: string[] = [];
  const windows: Record<number, string> = { 1000: 'second', 60_000: 'minute' };
  if (registration.concurrency !== null) lines.push(`${registration.concurrency} at a time`);
  if (registration.rateLimit) lines.push(`${registration.rateLimit.max} per ${windows[registration.rateLimit.durationMs]}`);
  if (registration.group) lines.push(`${registration.group.concurrency} at a time per key`);
  if (registration.group?.rateLimit)
    lines.push(`${registration.group.rateLimit.max} per ${windows[registration.group.rateLimit.durationMs]} per key`);
  return lines.length > 0 ? lines : ['no limit'];
}

const typeRow = (type: string) => page.locator(`#types-body tr[data-type="${type}"]`);

interface HistorySnapshot {
  intervalMs: number;
  buckets: { start: number; completed: number; failed: number; depth: Record<string, number> | null }[];
}

describe('queue controls and charts', () => {
  beforeAll(async () => {
    server = await startExampleInProcess(async (example) => {
      await example.queue.use(demo);
    });
    ({ page, browser } = await openPage(server.url));
    reader = new JobQueue({ storage: new SQLiteJobQueueStorage({ filename: path.join(server.dataDir, 'phaseq.db') }) });
  });

  afterAll(async () => {
    await reader?.stop();
    await browser?.close();
    await server?.stop();
  });

  it('shows the limits each type is registered with, for every type the queue knows', async () => {
    await typeRow('transcode-video').waitFor();
    const types = await server.example.queue.getJobTypes();
    expect(await page.locator('#types-body tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')))).toEqual(
      types.map((t) => t.type),
    );
    for (const { type } of types) {
      const lines = await typeRow(type).locator('.limits li').allTextContents();
      expect(lines, type).toEqual(expectedLimits(server.example.queue.registry.get(type)));
    }
    expect(await typeRow('transcode-video').locator('.limits').textContent()).toBe('2 at a time1 at a time per key6 per minute per key');
    expect(await typeRow('fetch-artwork').locator('.limits').textContent()).toBe('4 at a time40 per second');
    expect(await typeRow('scan-movie').locator('.limits').textContent()).toBe('no limit');
  });

  it('words a rate limit as the registration gives it', async () => {
    const lines = await page.evaluate(`import('/controls.js').then(({ limitLines }) => [
      limitLines({ registered: true, concurrency: null, group: null, rateLimit: { max: 40, durationMs: 1000 } }),
      limitLines({ registered: true, concurrency: 1, group: { concurrency: 2, rateLimit: { max: 5, durationMs: 10000 } }, rateLimit: { max: 100, durationMs: 60000, burst: 10 } }),
    ])`);
    expect(lines).toEqual([['40 per second'], ['1 at a time', '100 per minute, burst 10', '2 at a time per key', '5 per 10 s per key']]);
  });

  it('pauses the whole queue from the page: stored as paused, a job added meanwhile waits, and runs after Resume', async () => {
    await page
      .locator('#queue-run-state')
      .filter({ hasText: /^Running$/ })
      .waitFor();
    await page.getByRole('button', { name: 'Pause queue' }).click();
    await page
      .locator('#queue-run-state')
      .filter({ hasText: /^Paused$/ })
      .waitFor();
    expect(await reader.getPauseState()).toEqual({ queue: true, types: [] });
    expect(await page.locator('#pause-status').textContent()).toMatch(/^The queue is paused/);
    // Every type's row says its jobs are held.
    expect(await typeRow('fetch-artwork').locator('.badge').textContent()).toBe('Held by the queue pause');

    const id = await addJob({ type: 'fetch-artwork', payload: { n: 1 } });
    await page.locator('#count-pending').filter({ hasText: /^1$/ }).waitFor();
    // An added job wakes a worker at once: a second is plenty for it to start, were it free to.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await reader.getJob(id)).toMatchObject({ state: 'pending', attempts: 0 });

    await page.getByRole('button', { name: 'Resume queue' }).click();
    await finished(id);
    expect(await reader.getPauseState()).toEqual({ queue: false, types: [] });
    await page
      .locator('#queue-run-state')
      .filter({ hasText: /^Running$/ })
      .waitFor();
  });

  it('pauses one type from its row: its job waits while another type runs, and runs after Resume', async () => {
    await typeRow('fetch-artwork').getByRole('button', { name: 'Pause fetch-artwork' }).click();
    await typeRow('fetch-artwork')
      .locator('.badge')
      .filter({ hasText: /^Paused$/ })
      .waitFor();
    expect(await reader.getPauseState()).toEqual({ queue: false, types: ['fetch-artwork'] });

    const held = await addJob({ type: 'fetch-artwork', payload: { n: 2 } });
    const other = await addJob({ type: 'transcode-video', payload: { disk: 'a' } });
    // The job added after the held one has run: the held one was passed over, not just slow.
    await finished(other);
    expect(await reader.getJob(held)).toMatchObject({ state: 'pending', attempts: 0 });

    await typeRow('fetch-artwork').getByRole('button', { name: 'Resume fetch-artwork' }).click();
    await finished(held);
    expect(await reader.getPauseState()).toEqual({ queue: false, types: [] });
    await typeRow('fetch-artwork').getByRole('button', { name: 'Pause fetch-artwork' }).waitFor();
  });

  it('points out waiting jobs no running worker can take', async () => {
    // A producer elsewhere adds a job of a type no live process registers.
    const producer = new JobQueue({
      storage: new SQLiteJobQueueStorage({ filename: path.join(server.dataDir, 'phaseq.db') }),
      registry: new HandlerRegistry().register('burn-disc', async () => {}, { schema: z.object({}) }),
    });
    await producer.addJob({ type: 'burn-disc', payload: {} });
    await producer.stop();
    const warning = page.locator('#without-worker');
    // The event stream reads the counts every 2 s: jobs of other processes show up then.
    await warning.waitFor({ timeout: 10_000 });
    expect(await warning.textContent()).toBe('1 waiting job no running worker can take: no live process registers burn-disc.');
    expect((await server.example.queue.getStats()).withoutWorker).toBe(1);
    await typeRow('burn-disc').waitFor();
    expect(await typeRow('burn-disc').locator('.limits').textContent()).toBe('not registered on this server');
    expect(await typeRow('burn-disc').locator('.workers').textContent()).toBe('none');
  });

  it('draws the jobs finished per minute and the jobs stored per state as the history says', async () => {
    const ids = [];
    for (let n = 0; n < 5; n++) ids.push(await addJob({ type: 'fetch-artwork', payload: { n } }));
    for (const id of ids) await finished(id);
    await addJob({ type: 'fail-render', payload: {} });
    await addJob({ type: 'fail-render', payload: {} });
    await page.locator('#count-failed').filter({ hasText: /^2$/ }).waitFor();

    const read = async (): Promise<HistorySnapshot> => (await (await fetch(`${server.url}/api/metrics/history`)).json()) as HistorySnapshot;
    const total = (h: HistorySnapshot, key: 'completed' | 'failed') => h.buckets.reduce((sum, b) => sum + b[key], 0);
    const history = await read();
    // 3 jobs of the pause tests and 5 here; the burn-disc job never ran.
    expect([total(history, 'completed'), total(history, 'failed')]).toEqual([8, 2]);

    // The page reads the history shortly after jobs end: wait for it to say the same.
    const summary = page.locator('#chart-outcomes .chart-summary');
    await summary.filter({ hasText: /: 8 completed and 2 failed;/ }).waitFor({ timeout: 20_000 });

    const chart = page.locator('#chart-outcomes svg');
    const yMax = Number(await chart.getAttribute('data-y-max'));
    const plotHeight = Number(await chart.getAttribute('data-plot-height'));
    const busiest = Math.max(...history.buckets.map((b) => b.completed + b.failed));
    expect(yMax).toBeGreaterThanOrEqual(busiest);
    // The axis names its top value.
    expect(await chart.locator('.y-axis text').allTextContents()).toContain(String(yMax));
    for (const bucket of history.buckets.filter((b) => b.completed + b.failed > 0)) {
      const slot = chart.locator(`g.slot[data-start="${bucket.start}"]`);
      expect(await slot.getAttribute('data-completed')).toBe(String(bucket.completed));
      expect(await slot.getAttribute('data-failed')).toBe(String(bucket.failed));
      expect(await slot.locator('title').textContent()).toMatch(new RegExp(`: ${bucket.completed} completed, ${bucket.failed} failed$`));
      for (const key of ['completed', 'failed'] as const) {
        const bar = slot.locator(`rect.bar.${key}`);
        if (bucket[key] === 0) {
          expect(await bar.count()).toBe(0);
          continue;
        }
        // The bar's height is its count on the axis' scale.
        expect(Number(await bar.getAttribute('height'))).toBeCloseTo((bucket[key] / yMax) * plotHeight, 6);
      }
      // Pointing at the minute shows its numbers in the line below the chart.
      await slot.locator('rect.hit').hover();
      expect(await page.locator('#chart-outcomes .chart-readout').textContent()).toMatch(
        new RegExp(`: ${bucket.completed} completed, ${bucket.failed} failed$`),
      );
      // And the table of numbers says the same.
      const row = page.locator(`#chart-outcomes tbody tr[data-start="${bucket.start}"]`);
      expect(await row.locator('td').allTextContents()).toEqual([String(bucket.completed), String(bucket.failed)]);
    }

    // Each sample of the depth chart is the history's, up to the page's last read.
    const depth = page.locator('#chart-depth svg');
    const shown = await depth.locator('g.slot').evaluateAll((slots) =>
      slots.map((s) => ({
        start: Number(s.getAttribute('data-start')),
        empty: s.hasAttribute('data-empty'),
        pending: s.getAttribute('data-pending'),
        failed: s.getAttribute('data-failed'),
        processing: s.getAttribute('data-processing'),
        delayed: s.getAttribute('data-delayed'),
      })),
    );
    const byStart = new Map((await read()).buckets.map((b) => [b.start, b]));
    expect(shown.length).toBeGreaterThan(0);
    for (const s of shown.filter((x) => !x.empty)) {
      const sample = byStart.get(s.start)!.depth!;
      expect([s.pending, s.delayed, s.processing, s.failed]).toEqual(
        [sample.pending, sample.delayed, sample.processing, sample.failed].map(String),
      );
    }
    expect(await depth.getAttribute('aria-labelledby')).toBeTruthy();
    expect(await page.locator('#chart-depth .chart-readout').textContent()).toMatch(
      /^Latest sample, .+: \d+ pending, \d+ delayed, \d+ running, \d+ failed$/,
    );
  });

  for (const width of [1280, 390]) {
    it(`fits a ${width} px wide window with the charts, the types and the pauses filled`, async () => {
      // A paused type, jobs nobody can take, failures and a chart with bars are all shown.
      if (!(await reader.isPaused('transcode-video'))) {
        await typeRow('transcode-video').getByRole('button', { name: 'Pause transcode-video' }).click();
        await typeRow('transcode-video')
          .locator('.badge')
          .filter({ hasText: /^Paused$/ })
          .waitFor();
      }
      await page.setViewportSize({ width, height: 900 });
      await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
      // The charts are drawn again for the new width.
      await page.waitForFunction(
        `[...document.querySelectorAll('.chart-box')].every((box) => Number(box.querySelector('svg')?.getAttribute('width')) === box.closest('.chart').clientWidth)`,
      );
      // With the tables of numbers open.
      const toggles = await page.locator('.chart-numbers summary').all();
      for (const toggle of toggles) await toggle.click();
      mkdirSync(OUTPUT, { recursive: true });
      await page.screenshot({ path: path.join(OUTPUT, `controls-${width}.png`), fullPage: true });
      // The new panels on their own, to look at closely.
      for (const [name, selector] of [
        ['history', '#history'],
        ['types', '#types'],
        ['queue', '.queue-summary'],
      ]) {
        await page.locator(selector!).screenshot({ path: path.join(OUTPUT, `controls-${width}-${name}.png`) });
      }
      expect(await layoutProblems(page)).toEqual([]);
      for (const name of ['Job types', 'Jobs by type and state']) {
        expect(await page.getByRole('table', { name, exact: true }).isVisible()).toBe(true);
      }
      for (const name of [/^Jobs completed and failed per minute/, /^Jobs stored per state/]) {
        expect(await page.getByRole('img', { name }).isVisible()).toBe(true);
      }
      expect(await page.locator('#without-worker').isVisible()).toBe(true);
      for (const toggle of toggles) await toggle.click();
    });
  }

  it('draws a full hour: a bar for every minute, the depth lines broken where no sample was taken, and it fits both widths', async () => {
    // The server has run for a minute or two only: the page is given an hour's history in
    // the route's format (as a server an hour old would serve it) to draw.
    const intervalMs = 60_000;
    const last = Math.floor(Date.now() / intervalMs) * intervalMs;
    const buckets = Array.from({ length: 60 }, (_, k) => ({
      start: last - (59 - k) * intervalMs,
      completed: 20 + Math.round(15 * Math.sin(k / 6)),
      failed: k % 4 === 0 ? 2 : 0,
      depth: k === 20 || k === 21 ? null : { pending: 60 - k, delayed: k % 5, processing: 2, failed: Math.floor(k / 15) },
    }));
    await page.route('**/api/metrics/history', (route) =>
      route.fulfill({ json: { intervalMs, since: last - 90 * intervalMs, recording: true, buckets } }),
    );
    try {
      await page.reload();
      const summary = page.locator('#chart-outcomes .chart-summary');
      const completed = buckets.reduce((sum, b) => sum + b.completed, 0);
      await summary.filter({ hasText: `In the last hour: ${completed} completed and 30 failed;` }).waitFor();
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 });
        await page.waitForFunction(
          `[...document.querySelectorAll('.chart-box')].every((box) => Number(box.querySelector('svg')?.getAttribute('width')) === box.closest('.chart').clientWidth)`,
        );
        const bars = page.locator('#chart-outcomes g.slot');
        expect(await bars.count()).toBe(60);
        expect(await page.locator('#chart-outcomes .unrecorded').count()).toBe(0);
        // Pending: one line before the two minutes without a sample, one after.
        const pending = await page.locator('#chart-depth path.line.pending').getAttribute('d');
        expect(pending!.match(/M/g)).toHaveLength(2);
        expect(pending!.match(/[ML]/g)).toHaveLength(58);
        await page.locator('#history').screenshot({ path: path.join(OUTPUT, `controls-${width}-full-hour.png`) });
        expect(await layoutProblems(page)).toEqual([]);
      }
    } finally {
      await page.unroute('**/api/metrics/history');
    }
  });
});
