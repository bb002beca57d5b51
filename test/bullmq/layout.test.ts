/**
 * A queue whose Redis keys were written before the queue controls (per-type pending sets
 * `type:<t>`, no running counts) is brought to the current layout by `init()`: its jobs
 * are claimable by type, its running jobs count against limits, and the old sets are gone.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BullMQJobQueueStorage } from '../../src/backends/redis/storage.js';
import { deletePrefix, freshPrefix, REDIS_URL, redisSkipReason } from './redisTestEnv.js';

const skip = await redisSkipReason();

describe.skipIf(skip !== null)(`Redis key layout upgrade${skip ? ` — skipped: ${skip}` : ''}`, () => {
  let prefix: string;
  let redis: Redis;
  beforeEach(() => {
    prefix = freshPrefix();
    redis = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    redis.disconnect();
    await deletePrefix(prefix);
  });

  /** Writes one job as the previous layout stored it. */
  async function oldJob(id: number, type: string, state: 'pending' | 'processing', runAt: number): Promise<void> {
    const base = `${prefix}:jobs:`;
    const member = String(id).padStart(16, '0');
    await redis.hset(`${base}job:${id}`, {
      id: String(id),
      type,
      payload: '{"n":1}',
      state,
      priority: '5',
      runAt: String(runAt),
      attempts: state === 'processing' ? '1' : '0',
      maxRetries: '3',
      stalls: '0',
      manual: '0',
      createdAt: '1',
      ...(state === 'processing' ? { lockedBy: 'old-worker', lockedUntil: '99999999999999', claimedAt: '1' } : {}),
    });
    await redis.sadd(`${base}types`, type);
    if (state === 'pending') {
      await redis.zadd(`${base}pending:5`, runAt, member);
      await redis.zadd(`${base}type:${type}`, runAt, member);
      await redis.sadd(`${base}prios`, '5');
    } else {
      await redis.zadd(`${base}active`, 99999999999999, member);
    }
    await redis.set(`${base}id`, String(id));
  }

  it('indexes old pending jobs per type, counts old running ones, and drops the old sets', async () => {
    await oldJob(1, 'disk', 'processing', 10);
    await oldJob(2, 'disk', 'pending', 10);
    await oldJob(3, 'mail', 'pending', 20);
    const storage = new BullMQJobQueueStorage({ connection: REDIS_URL, prefix });
    await storage.init();
    try {
      expect(
        await redis.exists(`${prefix}:jobs:type:disk`, `${prefix}:jobs:type:mail`, `${prefix}:jobs:pending:5`, `${prefix}:jobs:prios`),
      ).toBe(0);
      expect(await redis.hget(`${prefix}:jobs:meta`, 'layout')).toBe('2');
      const stats = await storage.stats(1000);
      expect(stats.byType).toMatchObject({ disk: { pending: 1, processing: 1 }, mail: { pending: 1 } });
      // The old running job holds the only slot of its type.
      const filter = {
        types: [
          { type: 'disk', concurrency: 1, groupConcurrency: null },
          { type: 'mail', concurrency: null, groupConcurrency: null },
        ],
      };
      expect((await storage.claim('w', 10, 1000, 1000, filter)).map((j) => j.id)).toEqual(['3']);
      await storage.release([{ id: '1', workerId: 'old-worker' }]);
      expect((await storage.claim('w', 10, 1000, 1000, filter)).map((j) => j.id)).toEqual(['1']);
      // A second init finds the layout current and changes nothing.
      await storage.close();
      await storage.init();
      expect((await storage.stats(1000)).byType.disk).toMatchObject({ pending: 1, processing: 1 });
    } finally {
      await storage.close();
    }
  });
});
