/**
 * Load and soak on one SQLite file: 1,000,000 queued jobs. Reports `addJobs` time, claim
 * latency p50/p99 at 1M, 100k and 1k depth (a storage-level harness: each sample claims
 * one job and is followed, untimed, by its completion and one new job, so the depth holds),
 * and the resident memory of a worker process draining 300,000 jobs (start, peak, end,
 * and along the way: it rises while the process warms up, then must stay flat). Asserts correctness only: every job accounted for, nothing left.
 *
 * PHASEQ_SOAK_JOBS scales the run down (e.g. on a busy machine); the default is the figure
 * the reliability page reports.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, SQLiteJobQueueStorage } from '../../src/index.js';
import type { NewJob } from '../../src/storage/types.js';
import { makeTempDir } from '../support/tmp.js';
import { fmt, percentile, reportFigures } from './support/figures.js';
import { killAll, spawnFixture, type Child } from './support/processes.js';
import { until } from './support/wait.js';

const TOTAL = Number(process.env.PHASEQ_SOAK_JOBS ?? 1_000_000);
const SOAK = Math.min(100_000, Math.floor(TOTAL / 10));
/** Jobs the worker process drains: long enough to see memory settle after warm-up. */
const DRAIN = SOAK * 3;
const SAMPLES = 500;
const CHUNK = 20_000;
const LEASE_MS = 30_000;
const OWNER = 'latency-probe';

const newJob = (i: number): NewJob => ({
  type: 'soak',
  payload: { i },
  payloadJson: JSON.stringify({ i }),
  priority: 5,
  maxRetries: 3,
  runAt: Date.now(),
  dedupeKey: null,
  groupKey: null,
  timeoutMs: null,
  manual: false,
});

/** Claim latency at the current depth; each claimed job is completed and replaced. */
async function claimLatency(storage: SQLiteJobQueueStorage): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let k = 0; k < SAMPLES; k++) {
    const t = performance.now();
    const [job] = await storage.claim(OWNER, 1, Date.now(), LEASE_MS);
    samples.push(performance.now() - t);
    expect(job).toBeDefined();
    expect(await storage.complete([{ id: job!.id, workerId: OWNER }])).toBe(1);
    await storage.add([newJob(-1)], Date.now());
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** Completes `n` ready jobs through the storage, 1,000 per transaction pair. */
async function drainRaw(storage: SQLiteJobQueueStorage, n: number): Promise<void> {
  let left = n;
  while (left > 0) {
    const jobs = await storage.claim(OWNER, Math.min(1_000, left), Date.now(), LEASE_MS);
    expect(jobs.length).toBeGreaterThan(0);
    expect(await storage.complete(jobs.map((j) => ({ id: j.id, workerId: OWNER })))).toBe(jobs.length);
    left -= jobs.length;
  }
}

const ms = (x: number): string => `${x.toFixed(3)} ms`;

describe(`load and soak: ${TOTAL.toLocaleString('en-US')} queued jobs in one SQLite file`, () => {
  const children: Child[] = [];
  let cleanup = (): void => {};
  afterEach(() => {
    killAll(children);
    cleanup();
  });

  it('stores them, claims at every depth, and drains with flat memory', { timeout: 600_000 }, async () => {
    const began = performance.now();
    const phase = (what: string): void => console.log(`[load] ${what} at ${((performance.now() - began) / 1000).toFixed(1)} s`);
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    const db = join(tmp.dir, 'jobs.db');
    const registry = new HandlerRegistry();
    registry.register('soak', async () => {}, { schema: z.object({ i: z.number() }) });
    const producer = new JobQueue({ storage: new SQLiteJobQueueStorage({ filename: db }), registry, logger: pino({ level: 'silent' }) });

    // 1. addJobs: validation, serialisation and one transaction per chunk.
    const t0 = performance.now();
    for (let from = 0; from < TOTAL; from += CHUNK) {
      const n = Math.min(CHUNK, TOTAL - from);
      const ids = await producer.addJobs(Array.from({ length: n }, (_, k) => ({ type: 'soak', payload: { i: from + k } })));
      expect(ids).toHaveLength(n);
    }
    const addMs = performance.now() - t0;
    phase(`${fmt(TOTAL)} jobs stored`);
    expect((await producer.getStats()).pending).toBe(TOTAL);

    // 2. Claim latency at full depth, then down to the soak depth, then at it.
    const probe = new SQLiteJobQueueStorage({ filename: db });
    await probe.init();
    const atFull = await claimLatency(probe);
    // Down to the soak depth in one statement: the claim path is measured, not this.
    probe.database
      .prepare(`DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state = 'pending' ORDER BY priority, run_at, id LIMIT ?)`)
      .run(TOTAL - SOAK);
    expect((await producer.getStats()).pending).toBe(SOAK);
    phase(`${fmt(TOTAL - SOAK)} deleted, ${fmt(SOAK)} left`);
    const atSoak = await claimLatency(probe);
    for (let from = 0; from < DRAIN - SOAK; from += CHUNK) {
      await probe.add(
        Array.from({ length: Math.min(CHUNK, DRAIN - SOAK - from) }, (_, k) => newJob(TOTAL + from + k)),
        Date.now(),
      );
    }
    expect((await producer.getStats()).pending).toBe(DRAIN);

    // 3. A real worker process drains the rest; its memory is sampled all along.
    const worker = await spawnFixture('soak-worker.ts', [db, '50']);
    children.push(worker);
    const t2 = performance.now();
    await until(
      async () => {
        const s = await producer.getStats();
        return s.pending + s.processing === 0;
      },
      { timeoutMs: 600_000, everyMs: 1_000, what: 'the worker process to drain the queue' },
    );
    const soakMs = performance.now() - t2;
    phase('worker process drained the rest');
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    expect(worker.lines.filter((l) => l.startsWith('error '))).toEqual([]);
    const done = Number(
      worker.lines
        .filter((l) => l.startsWith('done '))
        .at(-1)!
        .split(' ')[1],
    );
    expect(done).toBe(DRAIN);
    // From the first sample after the queue started (module loading is not the drain).
    const rss = worker.lines
      .slice(worker.lines.indexOf('ready'))
      .filter((l) => l.startsWith('rss '))
      .map((l) => Number(l.split(' ')[1]) / 2 ** 20);
    expect(rss.length).toBeGreaterThan(1);

    // 4. Claim latency at 1k depth, on the same (now well-churned) file.
    await probe.add(
      Array.from({ length: 1_000 }, (_, i) => newJob(i)),
      Date.now(),
    );
    const atSmall = await claimLatency(probe);
    await drainRaw(probe, 1_000);
    expect(await producer.getStats()).toMatchObject({ pending: 0, processing: 0, delayed: 0, failed: 0 });
    await probe.close();
    await producer.stop();

    const mib = (x: number): string => `${x.toFixed(1)} MiB`;
    reportFigures('6-load', `Load and soak: ${fmt(TOTAL)} queued jobs in one SQLite file`, {
      'addJobs, 20k per call (s)': addMs / 1000,
      'addJobs throughput (jobs/s)': Math.round(TOTAL / (addMs / 1000)),
      [`claim p50 / p99 at ${fmt(TOTAL)} depth`]: `${ms(atFull.p50)} / ${ms(atFull.p99)}`,
      [`claim p50 / p99 at ${fmt(SOAK)} depth`]: `${ms(atSoak.p50)} / ${ms(atSoak.p99)}`,
      'claim p50 / p99 at 1,000 depth': `${ms(atSmall.p50)} / ${ms(atSmall.p99)}`,
      [`worker process draining ${fmt(DRAIN)} jobs, concurrency 50 (jobs/s)`]: Math.round(DRAIN / (soakMs / 1000)),
      'worker RSS start / peak / end': `${mib(rss[0]!)} / ${mib(Math.max(...rss))} / ${mib(rss.at(-1)!)}`,
      'worker RSS at 25% / 50% / 75% of the drain': [0.25, 0.5, 0.75].map((f) => mib(rss[Math.floor(f * (rss.length - 1))]!)).join(' / '),
      'worker RSS samples (every 250 ms)': rss.length,
    });
  });
});
