/** A large addJobs batch reaches Redis as one script call without overflowing the call stack. */
import { describe, expect, it } from 'vitest';
import { BullMQJobQueueStorage } from '../../src/backends/redis/storage.js';
import { deletePrefix, freshPrefix, REDIS_URL, redisSkipReason } from './redisTestEnv.js';

const skip = await redisSkipReason();

describe.skipIf(skip !== null)(`Redis: large batches${skip ? ` — skipped: ${skip}` : ''}`, () => {
  it('stores 30,000 jobs in one add', async () => {
    const prefix = freshPrefix();
    const storage = new BullMQJobQueueStorage({ connection: REDIS_URL, prefix });
    try {
      await storage.init();
      const jobs = Array.from({ length: 30_000 }, (_, i) => ({
        type: 't',
        payload: { i },
        payloadJson: JSON.stringify({ i }),
        priority: 5,
        maxRetries: 0,
        runAt: 0,
        dedupeKey: null,
        groupKey: null,
        timeoutMs: null,
        manual: false,
      }));
      const added = await storage.add(jobs, 0);
      expect(added).toHaveLength(30_000);
      expect((await storage.stats(Date.now())).pending).toBe(30_000);
    } finally {
      await storage.close();
      await deletePrefix(prefix);
    }
  });
});
