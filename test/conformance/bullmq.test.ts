import { BullMQJobQueueStorage } from '../../src/backends/redis/storage.js';
import { deletePrefix, freshPrefix, REDIS_URL, redisSkipReason } from '../bullmq/redisTestEnv.js';
import { runStorageConformance } from './storageSuite.js';

// A real Redis on loopback, under a fresh key prefix per test, deleted afterwards.
// Without Redis the suite is skipped with the reason (under CI=true it fails instead).
const skip = await redisSkipReason();

if (skip === null) {
  runStorageConformance('bullmq', async () => {
    const prefix = freshPrefix();
    return {
      storage: new BullMQJobQueueStorage({ connection: REDIS_URL, prefix }),
      cleanup: () => deletePrefix(prefix),
    };
  });
} else {
  const { describe, it } = await import('vitest');
  describe.skip(`storage conformance: bullmq — skipped: ${skip}`, () => {
    it('needs Redis', () => {});
  });
}
