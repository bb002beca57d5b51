/**
 * One benchmark scenario per process: `node --import tsx bench/scenarios.ts <name> <jobs> [concurrency]`
 * prints one JSON line with its figures. Running each in a fresh process keeps one
 * scenario's garbage, caches and WAL from colouring the next.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { better, defineQueue, defineWorker } from 'plainjob';
import { pino } from 'pino';
import { z } from 'zod';
import { Queue as BullQueue, Worker as BullWorker } from 'bullmq';
import { HandlerRegistry, JobQueue, SQLiteJobQueueStorage, migrate, type IJobQueueStorage } from '../src/index.js';
import { BullMQJobQueueStorage } from '../src/backends/redis/storage.js';
import { limitedRun, pausedClaim } from './controls.js';
import { rateRun } from './rates.js';
import { debounceBurst, installSdk } from './debounceTraces.js';
import { drainWithProcesses } from './redisProcesses.js';

const REDIS_URL = process.env.PHASEQ_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const REDIS_PREFIX = `phaseq-bench-${process.pid}`;

const [name = '', jobsArg = '20000', concArg = '3'] = process.argv.slice(2);
const JOBS = Number(jobsArg);
const CONCURRENCY = Number(concArg);
const dir = mkdtempSync(join(tmpdir(), 'phaseq-bench-'));
const file = join(dir, 'bench.db');
const silent = pino({ level: 'silent' });
const noopSchema = z.object({ i: z.number() });

function rate(n: number, ms: number): number {
  return Math.round(n / (ms / 1000));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function phaseqQueue(options: { concurrency?: number; storage?: IJobQueueStorage } = {}): JobQueue {
  const registry = new HandlerRegistry();
  registry.register('noop', async () => {}, { schema: noopSchema });
  return new JobQueue({
    storage: options.storage ?? new SQLiteJobQueueStorage({ filename: file }),
    registry,
    logger: silent,
    concurrency: options.concurrency ?? CONCURRENCY,
  });
}

const payloads = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'noop' as const, payload: { i } }));

const scenarios: Record<string, () => Promise<Record<string, number>>> = {
  /** phaseq: one addJob call per job. */
  async 'phaseq-add'() {
    const queue = phaseqQueue();
    await queue.getStats(); // open + migrate outside the timing
    const t = performance.now();
    for (let i = 0; i < JOBS; i++) await queue.addJob({ type: 'noop', payload: { i } });
    const ms = performance.now() - t;
    await queue.stop();
    return { jobsPerSec: rate(JOBS, ms) };
  },
  /** phaseq: addJobs in batches of 1,000 (one transaction each). */
  async 'phaseq-add-bulk'() {
    const queue = phaseqQueue();
    await queue.getStats();
    const t = performance.now();
    for (let i = 0; i < JOBS; i += 1000) await queue.addJobs(payloads(Math.min(1000, JOBS - i)));
    const ms = performance.now() - t;
    await queue.stop();
    return { jobsPerSec: rate(JOBS, ms) };
  },
  /** phaseq: drain JOBS no-op jobs with CONCURRENCY workers. */
  async 'phaseq-drain'() {
    const queue = phaseqQueue();
    for (let i = 0; i < JOBS; i += 1000) await queue.addJobs(payloads(Math.min(1000, JOBS - i)));
    const drained = new Promise((r) => queue.once('queue:drained', r));
    const t = performance.now();
    await queue.start();
    await drained;
    const ms = performance.now() - t;
    await queue.stop();
    return { jobsPerSec: rate(JOBS, ms) };
  },
  /** phaseq-drain with an OpenTelemetry SDK registered: a recorded span per attempt. */
  async 'phaseq-drain-traced'() {
    installSdk();
    return scenarios['phaseq-drain']!();
  },
  /** JOBS debounced adds of one key into a started queue (see debounceTraces.ts). */
  async 'phaseq-debounce'() {
    return debounceBurst(new SQLiteJobQueueStorage({ filename: file }), JOBS);
  },
  /** The same on Redis. */
  async 'phaseq-redis-debounce'() {
    return withRedis((storage) => debounceBurst(storage, JOBS));
  },
  /** phaseq on Redis (phaseq/bullmq): drain JOBS no-op jobs with CONCURRENCY workers. */
  async 'phaseq-redis-drain'() {
    const storage = new BullMQJobQueueStorage({ connection: REDIS_URL, prefix: REDIS_PREFIX });
    const queue = phaseqQueue({ storage });
    for (let i = 0; i < JOBS; i += 1000) await queue.addJobs(payloads(Math.min(1000, JOBS - i)));
    const drained = new Promise((r) => queue.once('queue:drained', r));
    const t = performance.now();
    await queue.start();
    await drained;
    const ms = performance.now() - t;
    await queue.stop();
    await storage.init();
    await storage.destroy();
    await storage.close();
    return { jobsPerSec: rate(JOBS, ms) };
  },
  /** phaseq on Redis: CONCURRENCY worker processes (50 workers each) drain one queue. */
  async 'phaseq-redis-processes'() {
    return drainWithProcesses(REDIS_URL, REDIS_PREFIX, JOBS, CONCURRENCY);
  },
  /** Plain BullMQ 6.7 on the same Redis: addBulk, then a no-op Worker with CONCURRENCY. */
  async 'bullmq-drain'() {
    const connection = { url: REDIS_URL, maxRetriesPerRequest: null };
    const name = `bench-${process.pid}`;
    const queue = new BullQueue(name, { connection, prefix: REDIS_PREFIX });
    for (let i = 0; i < JOBS; i += 1000) {
      await queue.addBulk(
        Array.from({ length: Math.min(1000, JOBS - i) }, (_, k) => ({
          name: 'noop',
          data: { i: i + k },
          opts: { removeOnComplete: true, removeOnFail: true },
        })),
      );
    }
    let done = 0;
    let finish!: () => void;
    const all = new Promise<void>((r) => (finish = r));
    const t = performance.now();
    const worker = new BullWorker(name, async () => {}, { connection, prefix: REDIS_PREFIX, concurrency: CONCURRENCY });
    worker.on('completed', () => {
      if (++done === JOBS) finish();
    });
    await all;
    const ms = performance.now() - t;
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    return { jobsPerSec: rate(JOBS, ms) };
  },
  /** phaseq: enqueue-to-start latency, producer in the same process, idle workers. */
  async 'phaseq-latency'() {
    const queue = phaseqQueue();
    const samples: number[] = [];
    let sentAt = 0;
    let started!: () => void;
    queue.on('job:started', () => {
      samples.push(performance.now() - sentAt);
      started();
    });
    await queue.start();
    for (let i = 0; i < Math.min(JOBS, 2000); i++) {
      await new Promise((r) => setTimeout(r, 2)); // let the workers fall idle
      const seen = new Promise<void>((r) => (started = r));
      sentAt = performance.now();
      await queue.addJob({ type: 'noop', payload: { i } });
      await seen;
    }
    await queue.stop();
    samples.sort((a, b) => a - b);
    return { p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99) };
  },
  /** phaseq: enqueue-to-start latency with the producer in another process. */
  async 'phaseq-latency-xproc'() {
    const queue = phaseqQueue();
    const samples: number[] = [];
    queue.on('job:started', ({ job }) => samples.push(Date.now() - (job.payload as { sentAt: number }).sentAt));
    queue.registry.register('stamp', async () => {}, { schema: z.object({ sentAt: z.number() }) });
    await queue.start();
    const n = Math.min(JOBS, 500);
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'producer.ts'), file, String(n)], {
      stdio: 'inherit',
    });
    await new Promise((r) => child.on('exit', r));
    while (samples.length < n) await new Promise((r) => setTimeout(r, 10));
    await queue.stop();
    samples.sort((a, b) => a - b);
    return { p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99) };
  },
  /** A type limited to 4 beside an unlimited one (10 ms handlers, CONCURRENCY workers). */
  async 'phaseq-limited'() {
    return limitedRun(() => new SQLiteJobQueueStorage({ filename: file }), JOBS, CONCURRENCY);
  },
  /** No limit: the same jobs on two queues, 4 workers for one type and the rest for the other. */
  async 'phaseq-limited-reference'() {
    return limitedRun(() => new SQLiteJobQueueStorage({ filename: file }), JOBS, CONCURRENCY, true);
  },
  /** The same two on Redis. */
  async 'phaseq-redis-limited'() {
    return withRedis(() => limitedRun(redisStorage, JOBS, CONCURRENCY));
  },
  async 'phaseq-redis-limited-reference'() {
    return withRedis(() => limitedRun(redisStorage, JOBS, CONCURRENCY, true));
  },
  /** Claim time over JOBS pending jobs, a tenth of them of a paused type that comes first. */
  async 'phaseq-claim-paused'() {
    const storage = new SQLiteJobQueueStorage({ filename: file });
    try {
      return await pausedClaim(storage, JOBS, true);
    } finally {
      await storage.close();
    }
  },
  /** Claim time over JOBS pending jobs, none paused (the reference of the one above). */
  async 'phaseq-claim-unpaused'() {
    const storage = new SQLiteJobQueueStorage({ filename: file });
    try {
      return await pausedClaim(storage, JOBS, false);
    } finally {
      await storage.close();
    }
  },
  async 'phaseq-redis-claim-paused'() {
    return withRedis((storage) => pausedClaim(storage, JOBS, true));
  },
  async 'phaseq-redis-claim-unpaused'() {
    return withRedis((storage) => pausedClaim(storage, JOBS, false));
  },
  /** A type limited to 100 starts per second, for 10 s (CONCURRENCY workers): starts and CPU. */
  async 'phaseq-rate'() {
    const storage = new SQLiteJobQueueStorage({ filename: file });
    return rateRun(storage, CONCURRENCY);
  },
  async 'phaseq-redis-rate'() {
    return withRedis((storage) => rateRun(storage, CONCURRENCY));
  },
  /** phaseq: CPU used by an idle, started queue over 5 seconds. */
  async 'phaseq-idle-cpu'() {
    const queue = phaseqQueue();
    await queue.start();
    await new Promise((r) => setTimeout(r, 1000));
    const before = process.cpuUsage();
    const t = performance.now();
    await new Promise((r) => setTimeout(r, 5000));
    const used = process.cpuUsage(before);
    const ms = performance.now() - t;
    await queue.stop();
    return { cpuPercent: Number((((used.user + used.system) / 1000 / ms) * 100).toFixed(2)) };
  },
  /** plainjob 0.0.14: one add per job. */
  async 'plainjob-add'() {
    const queue = defineQueue({ connection: better(new Database(file)), logger: quietLogger });
    const t = performance.now();
    for (let i = 0; i < JOBS; i++) queue.add('noop', { i });
    const ms = performance.now() - t;
    queue.close();
    return { jobsPerSec: rate(JOBS, ms) };
  },
  /** plainjob 0.0.14: addMany in batches of 1,000. */
  async 'plainjob-add-bulk'() {
    const queue = defineQueue({ connection: better(new Database(file)), logger: quietLogger });
    const t = performance.now();
    for (let i = 0; i < JOBS; i += 1000)
      queue.addMany(
        'noop',
        Array.from({ length: Math.min(1000, JOBS - i) }, (_, k) => ({ i: i + k })),
      );
    const ms = performance.now() - t;
    queue.close();
    return { jobsPerSec: rate(JOBS, ms) };
  },
  /** plainjob 0.0.14: CONCURRENCY workers (each runs one job at a time) drain JOBS jobs. */
  async 'plainjob-drain'() {
    const queue = defineQueue({ connection: better(new Database(file)), logger: quietLogger });
    for (let i = 0; i < JOBS; i += 1000)
      queue.addMany(
        'noop',
        Array.from({ length: Math.min(1000, JOBS - i) }, (_, k) => ({ i: i + k })),
      );
    let done = 0;
    let finish!: () => void;
    const all = new Promise<void>((r) => (finish = r));
    const workers = Array.from({ length: CONCURRENCY }, () =>
      defineWorker('noop', async () => {}, {
        queue,
        logger: quietLogger,
        onCompleted: () => {
          if (++done === JOBS) finish();
        },
      }),
    );
    const t = performance.now();
    for (const w of workers) void w.start();
    await all;
    const ms = performance.now() - t;
    await Promise.all(workers.map((w) => w.stop()));
    queue.close();
    return { jobsPerSec: rate(JOBS, ms) };
  },
  /** The floor under any SQLite queue: claim one row and delete it, one transaction each. */
  async 'raw-claim-delete'() {
    return rawClaimDelete(1);
  },
  /** The same, 100 rows claimed and deleted per transaction. */
  async 'raw-claim-delete-batched'() {
    return rawClaimDelete(100);
  },
};

/** A storage on this process's Redis prefix. */
function redisStorage(): BullMQJobQueueStorage {
  return new BullMQJobQueueStorage({ connection: REDIS_URL, prefix: REDIS_PREFIX });
}

/** Runs `fn` on a Redis storage under this process's prefix, deleted afterwards. */
async function withRedis(fn: (storage: BullMQJobQueueStorage) => Promise<Record<string, number>>): Promise<Record<string, number>> {
  const storage = new BullMQJobQueueStorage({ connection: REDIS_URL, prefix: REDIS_PREFIX });
  try {
    return await fn(storage);
  } finally {
    await storage.init();
    await storage.destroy();
    await storage.close();
  }
}

const quietLogger = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

function rawClaimDelete(batch: number): Record<string, number> {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  migrate(db);
  const insert = db.prepare(`INSERT INTO jobs (type, payload, priority, run_at, created_at) VALUES ('noop', '{}', 5, 0, 0)`);
  db.transaction(() => {
    for (let i = 0; i < JOBS; i++) insert.run();
  })();
  const claim = db.prepare(
    `UPDATE jobs SET state = 'processing', locked_by = 'w', locked_until = 1, attempts = attempts + 1
      WHERE id IN (SELECT id FROM jobs WHERE state = 'pending' AND run_at <= ? ORDER BY priority, run_at, id LIMIT ?)
      RETURNING id`,
  );
  const del = db.prepare(`DELETE FROM jobs WHERE id = ?`);
  const step = db.transaction(() => {
    const rows = claim.all(Date.now(), batch) as { id: number }[];
    for (const r of rows) del.run(r.id);
    return rows.length;
  });
  const t = performance.now();
  let n = 0;
  while (n < JOBS) n += step.immediate();
  const ms = performance.now() - t;
  db.close();
  return { jobsPerSec: rate(JOBS, ms) };
}

const scenario = scenarios[name];
if (!scenario) {
  console.error(`unknown scenario "${name}"; one of: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
try {
  console.log(JSON.stringify(await scenario()));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
