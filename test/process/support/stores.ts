/**
 * The stores the cross-process tests run on: a SQLite file in the test's folder, and Redis
 * on loopback under a fresh key prefix (left out when no Redis answers). A worker process
 * finds its store through `env`.
 */
import path from 'node:path';
import type { IJobQueueStorage } from '../../../src/index.js';
import { SQLiteJobQueueStorage } from '../../../src/index.js';
import { BullMQJobQueueStorage } from '../../../src/backends/redis/storage.js';
import { deletePrefix, freshPrefix, REDIS_URL, redisSkipReason } from '../../bullmq/redisTestEnv.js';

/** One store shared by the test and its worker processes. */
export interface ProcessStore {
  /** Environment that points a worker process at the store. */
  env: Record<string, string>;
  /** A storage instance on it, for the test's own producer. */
  storage(): IJobQueueStorage;
  cleanup(): void | Promise<void>;
}

const redisSkip = await redisSkipReason();

export const PROCESS_STORES: { name: string; open(dir: string): ProcessStore }[] = [
  {
    name: 'sqlite',
    open: (dir) => {
      const db = path.join(dir, 'jobs.db');
      return { env: { BACKEND: 'sqlite', DB: db }, storage: () => new SQLiteJobQueueStorage({ filename: db }), cleanup: () => {} };
    },
  },
  ...(redisSkip === null
    ? [
        {
          name: 'redis',
          open: (): ProcessStore => {
            const prefix = freshPrefix();
            return {
              env: { BACKEND: 'redis', REDIS_URL, PREFIX: prefix },
              storage: () => new BullMQJobQueueStorage({ connection: REDIS_URL, prefix }),
              cleanup: () => deletePrefix(prefix),
            };
          },
        },
      ]
    : []),
];
