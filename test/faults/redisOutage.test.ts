/**
 * Redis outage: a private, append-only Redis is SIGKILLed under a running queue and a
 * producer, kept down for 10 s, and started again on the same files. During the outage
 * addJob must fail fast with a clear error (never hang, never report success for a job it
 * dropped); afterwards the workers reconnect, the jobs that were in flight are recovered,
 * and every job whose addJob resolved runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, PhaseqError } from '../../src/index.js';
import { BullMQJobQueueStorage } from '../../src/backends/redis/storage.js';
import { makeTempDir, sleep } from '../support/tmp.js';
import { percentile, reportFigures } from './support/figures.js';
import { until } from './support/wait.js';

const OUTAGE_MS = 10_000;
const PORT = 16_379 + (process.pid % 1_000);
const URL = `redis://127.0.0.1:${PORT}/0`;

/** Starts redis-server on PORT with every write fsynced to its append-only file in `dir`. */
async function startRedis(dir: string): Promise<ChildProcess> {
  const server = spawn(
    'redis-server',
    ['--port', String(PORT), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''],
    { stdio: 'ignore' },
  );
  await until(
    async () => {
      const probe = new Redis(URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    },
    { timeoutMs: 10_000, everyMs: 50, what: 'redis-server to answer' },
  );
  return server;
}

async function redisServerMissing(): Promise<string | null> {
  return new Promise((resolve) => {
    const p = spawn('redis-server', ['--version'], { stdio: 'ignore' });
    p.on('error', () => resolve('redis-server is not installed'));
    p.on('exit', (code) => resolve(code === 0 ? null : 'redis-server does not run'));
  });
}

describe('Redis stopped for 10 s under a running queue', () => {
  let server: ChildProcess | null = null;
  let cleanup = (): void => {};
  afterEach(() => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    cleanup();
  });

  it('addJob fails fast and clearly during the outage; afterwards nothing is lost', async (ctx) => {
    const missing = await redisServerMissing();
    if (missing) ctx.skip(missing);
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    server = await startRedis(tmp.dir);

    const schema = z.object({ i: z.number() });
    const runs = new Map<number, number>();
    const registry = new HandlerRegistry();
    registry.register(
      'outage',
      async (job) => {
        runs.set(job.payload.i, (runs.get(job.payload.i) ?? 0) + 1);
        await sleep(5);
      },
      { schema },
    );
    const worker = new JobQueue({
      storage: new BullMQJobQueueStorage({ connection: URL, prefix: 'outage' }),
      registry,
      concurrency: 4,
      leaseMs: 1_000,
      heartbeatMs: 200,
      stalledCheckMs: 200,
      maxIdleMs: 500,
      logger: pino({ level: 'silent' }),
    });
    const producer = new JobQueue({
      storage: new BullMQJobQueueStorage({ connection: URL, prefix: 'outage' }),
      registry,
      logger: pino({ level: 'silent' }),
    });
    const workerErrors: number[] = [];
    const failed: string[] = [];
    worker.on('worker:error', () => workerErrors.push(Date.now()));
    worker.on('job:failed', ({ job, error }) => failed.push(`${job.id}: ${error.message}`));
    await worker.start();

    // The producer adds one job every 10 ms for the whole run and records each outcome.
    const resolved = new Map<number, string>();
    const rejected: { i: number; ms: number; error: unknown }[] = [];
    const resolvedAt: number[] = [];
    let producing = true;
    const production = (async () => {
      for (let i = 0; producing; i++) {
        const t = performance.now();
        try {
          resolved.set(i, await producer.addJob({ type: 'outage', payload: { i } }));
          resolvedAt.push(Date.now());
        } catch (error) {
          rejected.push({ i, ms: performance.now() - t, error });
        }
        await sleep(10);
      }
    })();

    await sleep(2_000);
    const inFlightBefore = (await worker.getStats()).processing;
    server.kill('SIGKILL');
    await new Promise((r) => server!.once('exit', r));
    const downAt = Date.now();
    await sleep(OUTAGE_MS);
    const errorsDuringOutage = workerErrors.filter((t) => t >= downAt).length;
    server = await startRedis(tmp.dir);
    const upAt = Date.now();
    await sleep(2_000);
    producing = false;
    await production;

    // Every job whose addJob resolved runs; the queue ends empty.
    await until(() => [...resolved.keys()].every((i) => runs.has(i)), { timeoutMs: 60_000, what: 'every stored job to run' });
    await until(
      async () => {
        const s = await producer.getStats();
        return s.pending + s.processing + s.delayed === 0;
      },
      { timeoutMs: 30_000, what: 'the queue to drain' },
    );
    expect(failed).toEqual([]);
    expect(await producer.getStats()).toMatchObject({ pending: 0, processing: 0, delayed: 0, failed: 0 });
    // The outage was felt: adds were refused, with a clear error, not swallowed.
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) {
      expect(r.error).toBeInstanceOf(PhaseqError);
      expect((r.error as Error).message).toMatch(/redis|connection|closed|writeable/i);
    }
    // A refused add that Redis ran anyway (the reply was lost) is run too, never half-stored.
    const storedDespiteRefusal = rejected.filter((r) => runs.has(r.i)).length;
    const reruns = [...runs.values()].filter((n) => n > 1).length;
    // Workers back off while Redis is down: a few errors a second, not a tight loop.
    expect(errorsDuringOutage).toBeLessThan(OUTAGE_MS / 10);
    const firstAddAfter = resolvedAt.find((t) => t >= upAt);
    expect(firstAddAfter).toBeDefined();
    await worker.stop({ timeoutMs: 2_000 });
    await producer.stop();
    reportFigures('7-redis-outage', 'Redis SIGKILLed and down for 10 s under a running queue (append-only, fsync always)', {
      'outage (ms)': OUTAGE_MS,
      'jobs in flight when Redis died': inFlightBefore,
      'addJob resolved (all ran)': resolved.size,
      'addJob refused during the outage': rejected.length,
      'refusal time p50 / max (ms)': `${percentile(
        rejected.map((r) => r.ms),
        50,
      ).toFixed(1)} / ${Math.max(...rejected.map((r) => r.ms)).toFixed(1)}`,
      'refused adds that Redis had stored (they ran)': storedDespiteRefusal,
      'jobs run more than once': reruns,
      'jobs failed for good': failed.length,
      'worker:error events during the outage': errorsDuringOutage,
      'Redis back after (ms)': upAt - downAt,
      'first addJob accepted after Redis was back (ms)': firstAddAfter! - upAt,
    });
  });
});
