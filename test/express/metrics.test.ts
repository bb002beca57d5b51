/**
 * The metrics router on a real SQLite queue: real jobs run (completed, retried, failed,
 * of several types), then `GET /metrics` is scraped over HTTP and read back with a
 * Prometheus text-format parser that is not ours.
 */
import { spawn } from 'node:child_process';
import { renameSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { pino } from 'pino';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  HandlerRegistry,
  JobQueue,
  QueueHistory,
  SQLiteJobQueueStorage,
  UnrecoverableError,
  ValidationError,
  type QueueHistorySnapshot,
} from '../../src/index.js';
import {
  createMetricsRouter,
  DEFAULT_DURATION_BUCKETS,
  DEFAULT_WAIT_BUCKETS,
  notFoundHandler,
  type MetricsRouterOptions,
} from '../../src/express.js';
import { family, histogram, labelSets, parseScrape, value } from '../support/prometheus.js';
import { makeTempDir, sleep, waitFor } from '../support/tmp.js';

interface Setup {
  queue: JobQueue;
  url: string;
  db: string;
  close(): Promise<void>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A queue with five job types on a SQLite file, and the metrics router on 127.0.0.1. */
async function setup(options: MetricsRouterOptions & { start?: boolean } = {}): Promise<Setup> {
  const tmp = makeTempDir('phaseq-metrics-');
  cleanups.push(tmp.cleanup);
  const db = path.join(tmp.dir, 'jobs.db');
  const registry = new HandlerRegistry();
  const empty = z.object({});
  const seen = new Map<string, number>();
  registry.register('ok', async () => {}, { schema: empty });
  registry.register('slow', () => sleep(150), { schema: empty });
  // Fails its first attempt, succeeds on the second.
  registry.register(
    'flaky',
    async (job) => {
      const n = (seen.get(job.id) ?? 0) + 1;
      seen.set(job.id, n);
      if (n === 1) throw new Error('first attempt fails');
    },
    { schema: empty, backoff: { type: 'fixed', delayMs: 10 } },
  );
  // Fails every attempt: 2 retries, then failed for good.
  registry.register(
    'broken',
    async () => {
      throw new Error('always');
    },
    { schema: empty, maxRetries: 2, backoff: { type: 'fixed', delayMs: 10 } },
  );
  registry.register(
    'doomed',
    async () => {
      throw new UnrecoverableError('no retry can help');
    },
    { schema: empty },
  );
  registry.register('idle', async () => {}, { schema: empty });
  const queue = new JobQueue({
    storage: new SQLiteJobQueueStorage({ filename: db }),
    registry,
    concurrency: 1,
    logger: pino({ level: 'silent' }),
  });
  const { start = true, ...routerOptions } = options;
  if (start) await queue.start();
  const app = express();
  app.use('/api', createMetricsRouter(queue, routerOptions));
  app.use('/api', notFoundHandler());
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  const close = async (): Promise<void> => {
    await new Promise((resolve) => server.close(resolve));
    await queue.stop();
  };
  cleanups.push(close);
  return { queue, url, db, close };
}

/** Resolves once `n` jobs reached a final outcome (completed or failed for good). */
function settled(queue: JobQueue, n: number): Promise<void> {
  let left = n;
  return new Promise((resolve) => {
    const done = (): void => {
      if (--left === 0) resolve();
    };
    queue.on('job:completed', done);
    queue.on('job:failed', done);
  });
}

/** A histogram's bucket bounds in ascending order (+Inf last). */
function bounds(series: { buckets: Record<string, number> }): number[] {
  return Object.keys(series.buckets)
    .map((le) => (le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le)))
    .sort((a, b) => a - b);
}

async function scrape(url: string, init?: RequestInit) {
  const res = await fetch(`${url}/metrics`, init);
  const text = await res.text();
  return { res, text, metrics: res.status === 200 ? await parseScrape(text) : {} };
}

describe('GET /metrics', () => {
  it('counts completed, retried and failed jobs per type, with HELP and TYPE lines', async () => {
    const { queue, url } = await setup();
    const done = settled(queue, 7);
    await queue.addJobs([
      { type: 'ok', payload: {} },
      { type: 'ok', payload: {} },
      { type: 'ok', payload: {} },
      { type: 'flaky', payload: {} },
      { type: 'broken', payload: {} },
      { type: 'doomed', payload: {} },
      { type: 'slow', payload: {} },
    ]);
    await done;

    const { res, text, metrics } = await scrape(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const kinds: Record<string, string> = {
      phaseq_jobs_completed_total: 'counter',
      phaseq_jobs_failed_total: 'counter',
      phaseq_jobs_retried_total: 'counter',
      phaseq_jobs_stalled_total: 'counter',
      phaseq_job_duration_seconds: 'histogram',
      phaseq_job_wait_seconds: 'histogram',
      phaseq_queue_jobs: 'gauge',
    };
    for (const [name, type] of Object.entries(kinds)) {
      expect(family(metrics, name).type, name).toBe(type);
      expect(family(metrics, name).help.length, `${name} has help`).toBeGreaterThan(20);
      expect(text).toContain(`# TYPE ${name} ${type}\n`);
    }
    expect(Object.keys(metrics).sort()).toEqual(Object.keys(kinds).sort());

    const completed = (type: string) => value(metrics, 'phaseq_jobs_completed_total', { type });
    const failed = (type: string) => value(metrics, 'phaseq_jobs_failed_total', { type });
    const retried = (type: string) => value(metrics, 'phaseq_jobs_retried_total', { type });
    expect([completed('ok'), completed('flaky'), completed('slow'), completed('broken'), completed('doomed')]).toEqual([3, 1, 1, 0, 0]);
    expect([failed('ok'), failed('flaky'), failed('broken'), failed('doomed')]).toEqual([0, 0, 1, 1]);
    // broken: 3 attempts = 2 retries + the final failure; doomed: unrecoverable, no retry.
    expect([retried('ok'), retried('flaky'), retried('broken'), retried('doomed')]).toEqual([0, 1, 2, 0]);
    // A registered type without a job yet reads 0, so rate() sees its first increment.
    expect(completed('idle')).toBe(0);
    for (const labels of labelSets(metrics, 'phaseq_jobs_completed_total')) expect(Object.keys(labels)).toEqual(['type']);
  });

  it('histograms: the documented buckets, cumulative counts, run time of completed jobs and the wait for each attempt', async () => {
    const { queue, url } = await setup();
    const done = settled(queue, 5);
    // One worker: the ok job waits for the slow one (150 ms) before it starts. The idle
    // job's run time is an hour ago (a backlog): its wait counts from then, not from its
    // creation.
    await queue.addJobs([
      { type: 'slow', payload: {} },
      { type: 'ok', payload: {} },
      { type: 'flaky', payload: {} },
      { type: 'broken', payload: {} },
      { type: 'idle', payload: {}, runAt: Date.now() - 3_600_000 },
    ]);
    await done;
    const { metrics } = await scrape(url);

    const slow = histogram(metrics, 'phaseq_job_duration_seconds', { type: 'slow' });
    expect(bounds(slow)).toEqual([...DEFAULT_DURATION_BUCKETS, Number.POSITIVE_INFINITY]);
    expect(slow.count).toBe(1);
    expect(slow.sum).toBeGreaterThanOrEqual(0.14); // timers may fire a little early on the performance clock
    expect(slow.buckets['0.1']).toBe(0); // it slept 150 ms
    expect(slow.buckets['+Inf']).toBe(1);
    // Only completed runs: the flaky job's failed first attempt is not in it, and a job
    // that never completed has no observation.
    expect(histogram(metrics, 'phaseq_job_duration_seconds', { type: 'flaky' }).count).toBe(1);
    expect(histogram(metrics, 'phaseq_job_duration_seconds', { type: 'broken' }).count).toBe(0);

    const wait = (type: string) => histogram(metrics, 'phaseq_job_wait_seconds', { type });
    expect(bounds(wait('ok'))).toEqual([...DEFAULT_WAIT_BUCKETS, Number.POSITIVE_INFINITY]);
    // Each attempt is one observation: flaky ran twice, broken three times.
    expect([wait('slow').count, wait('ok').count, wait('flaky').count, wait('broken').count]).toEqual([1, 1, 2, 3]);
    expect(wait('ok').sum).toBeGreaterThanOrEqual(0.1);
    expect(wait('ok').buckets['0.1']).toBe(0);
    expect(wait('idle').count).toBe(1);
    expect(wait('idle').sum).toBeGreaterThanOrEqual(3_600);
    expect(wait('idle').buckets['1800']).toBe(0);
    for (const series of [slow, wait('ok'), wait('broken')]) {
      const counts = bounds(series).map((le) => series.buckets[le === Number.POSITIVE_INFINITY ? '+Inf' : String(le)]);
      expect(counts, 'buckets are cumulative').toEqual([...counts].sort((a, b) => a! - b!));
    }
  });

  it('the queue_jobs gauge reads the storage at scrape time, per state and type, drained types at 0', async () => {
    const { queue, url } = await setup({ start: false });
    await queue.addJobs([
      { type: 'ok', payload: {} },
      { type: 'ok', payload: {} },
      { type: 'slow', payload: {}, delayMs: 60_000 },
    ]);
    let { metrics } = await scrape(url);
    const depth = (state: string, type: string) => value(metrics, 'phaseq_queue_jobs', { state, type });
    expect([depth('pending', 'ok'), depth('delayed', 'ok'), depth('processing', 'ok'), depth('failed', 'ok')]).toEqual([2, 0, 0, 0]);
    expect(depth('delayed', 'slow')).toBe(1);
    expect(depth('pending', 'idle')).toBe(0);

    const done = settled(queue, 2);
    await queue.start();
    await done;
    ({ metrics } = await scrape(url));
    expect(depth('pending', 'ok')).toBe(0);
    expect(depth('delayed', 'slow')).toBe(1);
    expect(labelSets(metrics, 'phaseq_queue_jobs')).toContainEqual({ state: 'processing', type: 'broken' });
  });

  it('the gauge shows jobs another process added to the same database, and 0 once they are gone', async () => {
    const { queue, url, db } = await setup();
    const script = path.join(import.meta.dirname, 'fixtures/add-jobs-process.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script, db, 'from-elsewhere', '3'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(exitCode).toBe(0);
    const { metrics } = await scrape(url);
    // This process has no handler for the type and heard no event: only the storage knows.
    expect(value(metrics, 'phaseq_queue_jobs', { state: 'delayed', type: 'from-elsewhere' })).toBe(3);
    expect(value(metrics, 'phaseq_jobs_completed_total', { type: 'from-elsewhere' })).toBeUndefined();

    for (const job of await queue.listJobs({ type: 'from-elsewhere' })) await queue.cancelJob(job.id);
    const after = (await scrape(url)).metrics;
    // Reported at 0 rather than dropped: a vanished series reads as a gap.
    expect(value(after, 'phaseq_queue_jobs', { state: 'delayed', type: 'from-elsewhere' })).toBe(0);
  });

  it('answers 503 STORAGE_ERROR in the error shape while the database file is gone', async () => {
    const { url, db } = await setup();
    renameSync(db, `${db}.moved`);
    cleanups.push(() => renameSync(`${db}.moved`, db));
    let res!: Response;
    await waitFor(
      async () => {
        res = await fetch(`${url}/metrics`);
        return res.status !== 200;
      },
      10_000,
      'the storage to notice the file is gone',
    );
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toEqual({ code: 'STORAGE_ERROR', message: 'Storage is unavailable' });
  });

  it('follows the routers: API key, 405 with Allow, HEAD', async () => {
    const { url } = await setup({ apiKey: 'metrics-key-123' });
    const denied = await fetch(`${url}/metrics`);
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    expect((await fetch(`${url}/metrics/history`)).status).toBe(401);

    const auth = { authorization: 'Bearer metrics-key-123' };
    const ok = await scrape(url, { headers: auth });
    expect(ok.res.status).toBe(200);
    expect(value(ok.metrics, 'phaseq_jobs_completed_total', { type: 'ok' })).toBe(0);

    const post = await fetch(`${url}/metrics`, { method: 'POST', headers: auth });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe('METHOD_NOT_ALLOWED');
    expect((await fetch(`${url}/metrics/history`, { method: 'DELETE', headers: auth })).status).toBe(405);
    const head = await fetch(`${url}/metrics`, { method: 'HEAD', headers: auth });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toContain('text/plain');
  });
});

describe('a host registry', () => {
  it('serves the host metrics and phaseq metrics together; a second router on it needs another prefix', async () => {
    const registry = new Registry();
    const hostCounter = new Counter({ name: 'host_requests_total', help: 'Requests of the host.', registers: [registry] });
    hostCounter.inc(5);
    const { queue, url } = await setup({ registry });
    const done = settled(queue, 1);
    await queue.addJob({ type: 'ok', payload: {} });
    await done;

    const { metrics } = await scrape(url);
    expect(value(metrics, 'host_requests_total', {})).toBe(5);
    expect(value(metrics, 'phaseq_jobs_completed_total', { type: 'ok' })).toBe(1);
    // The host's own endpoint sees phaseq's metrics too: they live in its registry.
    const own = await parseScrape(await registry.metrics());
    expect(value(own, 'phaseq_jobs_completed_total', { type: 'ok' })).toBe(1);

    let clash: unknown;
    try {
      createMetricsRouter(queue, { registry });
    } catch (error) {
      clash = error;
    }
    expect(clash).toBeInstanceOf(ValidationError);
    expect((clash as ValidationError).message).toMatch(/already has phaseq_jobs_completed_total, .*different prefix/);
    // Nothing was half registered by the refused router.
    expect(
      registry
        .getMetricsAsArray()
        .map((m) => m.name)
        .filter((n) => n.startsWith('phaseq_')),
    ).toHaveLength(7);

    createMetricsRouter(queue, { registry, prefix: 'phaseq_second_', history: false });
    const both = await parseScrape(await registry.metrics());
    expect(value(both, 'phaseq_second_jobs_completed_total', { type: 'ok' })).toBe(0);
    expect(value(both, 'phaseq_jobs_completed_total', { type: 'ok' })).toBe(1);
  });

  it('refuses bad options when the router is created, naming each', async () => {
    const { queue } = await setup({ start: false });
    const issues = (options: MetricsRouterOptions): string[] => {
      try {
        createMetricsRouter(queue, options);
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).issues.map((i) => i.path);
      }
      return [];
    };
    expect(issues({ prefix: '9lives_' })).toEqual(['prefix']);
    expect(issues({ prefix: 'has space' })).toEqual(['prefix']);
    expect(issues({ durationBuckets: [1, 0.5] })).toEqual(['durationBuckets']);
    expect(issues({ waitBuckets: [] })).toEqual(['waitBuckets']);
    expect(issues({ durationBuckets: [0, 1], waitBuckets: [Number.POSITIVE_INFINITY] })).toEqual(['durationBuckets', 'waitBuckets']);
    expect(issues({ history: {} as QueueHistory })).toEqual(['history']);
    expect(issues({ registry: {} as Registry })).toEqual(['registry']);
    expect(issues({ apiKey: 'short' })).toEqual(['apiKey']);
  });
});

describe('GET /metrics/history', () => {
  it('serves the per-interval history: jobs completed and failed, and depth samples', async () => {
    const { queue } = await setup({ start: false });
    const history = new QueueHistory(queue, { intervalMs: 1_000 });
    const app = express();
    app.use('/api', createMetricsRouter(queue, { history }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;

    await queue.addJobs([
      { type: 'ok', payload: {} },
      { type: 'doomed', payload: {} },
      { type: 'slow', payload: {}, delayMs: 60_000 },
    ]);
    const done = settled(queue, 2);
    await queue.start();
    await done;
    // The depth is sampled at each interval's start: wait for one taken after the jobs ran.
    let snapshot!: QueueHistorySnapshot;
    await waitFor(
      async () => {
        const res = await fetch(`${url}/metrics/history`);
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).toBe('no-store');
        snapshot = (await res.json()) as QueueHistorySnapshot;
        return snapshot.buckets.some((b) => b.depth?.delayed === 1 && b.depth.pending === 0);
      },
      10_000,
      'a depth sample after the jobs ran',
    );
    expect(snapshot.intervalMs).toBe(1_000);
    expect(snapshot.recording).toBe(true);
    expect(snapshot.since).toBe(history.since);
    const sum = (key: 'completed' | 'failed') => snapshot.buckets.reduce((n, b) => n + b[key], 0);
    expect([sum('completed'), sum('failed')]).toEqual([1, 1]);
    for (const [i, b] of snapshot.buckets.entries()) {
      expect(b.start % 1_000).toBe(0);
      if (i > 0) expect(b.start - snapshot.buckets[i - 1]!.start).toBe(1_000);
    }
  });

  it('is absent with history: false', async () => {
    const { url } = await setup({ history: false });
    const res = await fetch(`${url}/metrics/history`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });
});
