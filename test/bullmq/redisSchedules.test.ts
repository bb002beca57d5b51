/**
 * Schedules on Redis: the schedule store contract on `RedisScheduleStore` (its peer: a
 * store sharing a job storage's connection, as a queue's default store does), and two
 * nodes (two queues on two storage instances of one Redis queue) sharing their schedules:
 * what one declares the other lists, and each tick is enqueued by one node only.
 *
 * A real Redis on loopback, under a fresh key prefix per test, deleted afterwards. Without
 * Redis the file is skipped with the reason (under CI=true it fails instead).
 */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StorageError, ValidationError } from '../../src/errors.js';
import { HandlerRegistry } from '../../src/handlers/HandlerRegistry.js';
import { JobQueue } from '../../src/JobQueue.js';
import { createScheduler } from '../../src/scheduler/attach.js';
import { RedisScheduleStore } from '../../src/backends/redis/scheduleStore.js';
import { BullMQJobQueueStorage } from '../../src/backends/redis/storage.js';
import { waitFor } from '../support/tmp.js';
import { runScheduleStoreContract } from '../scheduler/scheduleStoreSuite.js';
import { deletePrefix, freshPrefix, REDIS_URL, redisSkipReason } from './redisTestEnv.js';

const skip = await redisSkipReason();
const silent = pino({ level: 'silent' });

if (skip === null) {
  runScheduleStoreContract(
    'redis',
    async () => {
      const prefix = freshPrefix();
      const store = new RedisScheduleStore({ connection: REDIS_URL, prefix });
      const storage = new BullMQJobQueueStorage({ connection: REDIS_URL, prefix });
      return {
        store,
        peer: storage.scheduleStore(),
        cleanup: async () => {
          await store.close();
          await storage.close();
          await deletePrefix(prefix);
        },
      };
    },
    { shared: true },
  );
}

describe.skipIf(skip !== null)(`schedules shared by Redis nodes${skip ? ` — skipped: ${skip}` : ''}`, () => {
  let prefix: string;
  const cleanups: (() => Promise<void>)[] = [];

  beforeEach(() => {
    prefix = freshPrefix();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await deletePrefix(prefix);
  });

  /** One node: a queue on its own storage instance (its own connection) of the shared Redis queue. */
  function node(ran: Map<string, number> = new Map()): { queue: JobQueue; storage: BullMQJobQueueStorage } {
    const registry = new HandlerRegistry();
    registry.register(
      'tick',
      async (job) => {
        const key = job.dedupeKey ?? 'none';
        ran.set(key, (ran.get(key) ?? 0) + 1);
      },
      { schema: z.strictObject({}) },
    );
    const storage = new BullMQJobQueueStorage({ connection: REDIS_URL, prefix });
    const queue = new JobQueue({ storage, registry, logger: silent, concurrency: 2 });
    cleanups.push(async () => {
      await queue.stop({ timeoutMs: 2000 });
      await storage.close();
    });
    return { queue, storage };
  }

  it('a queue on Redis gets the Redis store, under its prefix and queue name', async () => {
    const { queue } = node();
    const scheduler = createScheduler(queue);
    expect(scheduler.store).toBeInstanceOf(RedisScheduleStore);
    await scheduler.schedule('nightly', { cron: '0 3 * * *' }, { type: 'tick', payload: {} });
    const redis = new Redis(REDIS_URL);
    try {
      expect(await redis.smembers(`${prefix}:jobs:schedules`)).toEqual(['nightly']);
      expect(await redis.hget(`${prefix}:jobs:schedule:nightly`, 'def')).toContain('"cron":"0 3 * * *"');
    } finally {
      redis.disconnect();
    }
  });

  it('a schedule declared on node A is listed, run and removed on node B', async () => {
    const a = node();
    const b = node();
    const declared = await a.queue.schedule('hourly', { cron: '0 * * * *' }, { type: 'tick', payload: {}, priority: 2 }, { catchUp: true });
    const listed = await b.queue.listSchedules();
    expect(listed).toEqual([declared]);
    expect(listed[0]).toMatchObject({ name: 'hourly', cron: '0 * * * *', catchUp: true, job: { type: 'tick', payload: {}, priority: 2 } });
    const jobId = await b.queue.runScheduleNow('hourly');
    expect(await a.queue.getJob(jobId)).toMatchObject({ type: 'tick', manual: true, priority: 2 });
    expect(await b.queue.unschedule('hourly')).toBe(true);
    expect(await a.queue.listSchedules()).toEqual([]);
  });

  it('two nodes racing on every tick enqueue each tick once, even after its job is gone', async () => {
    const MIN = 60_000;
    let clock = Date.UTC(2026, 0, 5, 12, 0, 0);
    const now = (): number => clock;
    const a = node();
    const b = node();
    const sa = createScheduler(a.queue, undefined, { now });
    const sb = createScheduler(b.queue, undefined, { now });
    const job = { type: 'tick', payload: {} } as const;
    await sa.schedule('every-minute', { everyMs: MIN }, job);
    await sb.schedule('every-minute', { everyMs: MIN }, job);
    const enqueued: { node: string; tick: number | null; jobId: string }[] = [];
    sa.on('schedule:enqueued', (e) => enqueued.push({ node: 'a', ...e }));
    sb.on('schedule:enqueued', (e) => enqueued.push({ node: 'b', ...e }));
    const TICKS = 10;
    for (let i = 1; i <= TICKS; i++) {
      clock += MIN;
      await Promise.all([sa.runDue(), sb.runDue()]);
      // The tick's job is gone (as once it completed), so its dedupe key no longer guards it.
      const last = enqueued[enqueued.length - 1]!;
      expect(await a.queue.cancelJob(last.jobId)).toBe('cancelled');
      await Promise.all([sb.runDue(), sa.runDue()]);
    }
    expect(enqueued.map((e) => e.tick)).toEqual(Array.from({ length: TICKS }, (_, i) => Date.UTC(2026, 0, 5, 12, 0, 0) + (i + 1) * MIN));
    expect((await b.queue.listSchedules())[0]).toMatchObject({ lastRunAt: clock, nextRunAt: clock + MIN });
  });

  it('two started nodes with the same 1-second schedule run each tick exactly once', async () => {
    const ran = new Map<string, number>();
    const nodes = [node(ran), node(ran)];
    const enqueued: number[] = [];
    for (const { queue } of nodes) {
      await queue.schedule('every-second', { everyMs: 1000 }, { type: 'tick', payload: {} });
      queue.scheduler.on('schedule:enqueued', ({ tick }) => {
        if (tick !== null) enqueued.push(tick);
      });
    }
    await Promise.all(nodes.map(({ queue }) => queue.start()));
    await waitFor(() => ran.size >= 4, 8000, 'four ticks run');
    // No new ticks, then let the last one's job finish.
    await Promise.all(nodes.map(({ queue }) => queue.scheduler.stop()));
    await waitFor(
      async () => {
        const stats = await nodes[0]!.queue.getStats();
        return stats.pending + stats.delayed + stats.processing === 0;
      },
      5000,
      'the queue to drain',
    );

    const ticks = [...enqueued].sort((x, y) => x - y);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBe(1000);
    // Every enqueued tick ran, once.
    expect([...ran.entries()].sort()).toEqual(ticks.map((t) => [`schedule:every-second:${t}`, 1]).sort());
  });
});

describe('RedisScheduleStore options', () => {
  it('rejects missing or bad options with a ValidationError naming the field', () => {
    const field = (make: () => unknown): string[] => {
      try {
        make();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).issues.map((i) => i.path);
      }
      throw new Error('no error');
    };
    expect(field(() => new RedisScheduleStore({} as never))).toEqual(['connection']);
    expect(field(() => new RedisScheduleStore({ connection: REDIS_URL, prefix: 'a b' }))).toEqual(['prefix']);
    expect(field(() => new RedisScheduleStore({ connection: REDIS_URL, queueName: 'a:b' }))).toEqual(['queueName']);
  });

  it('fails with a StorageError before init, without touching Redis', async () => {
    const store = new RedisScheduleStore({ connection: REDIS_URL, prefix: freshPrefix() });
    await expect(store.list()).rejects.toBeInstanceOf(StorageError);
  });
});
