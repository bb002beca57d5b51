/**
 * Builds queues for behaviour tests on each backend: memory, and a SQLite file in a temp
 * dir built by the real migrations.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import {
  HandlerRegistry,
  JobQueue,
  MemoryJobQueueStorage,
  SQLiteJobQueueStorage,
  type IJobQueueStorage,
  type JobQueueOptions,
} from '../../src/index.js';
import { BullMQJobQueueStorage } from '../../src/backends/redis/storage.js';
import { deletePrefix, freshPrefix, REDIS_URL, redisSkipReason } from '../bullmq/redisTestEnv.js';
import { makeTempDir } from '../support/tmp.js';

export interface Backend {
  name: string;
  /** A fresh storage; `cleanup` removes its files. */
  make(): { storage: IJobQueueStorage; cleanup: () => void | Promise<void> };
}

// The behaviour suite re-runs on Redis whenever it answers (a fresh key prefix per queue);
// without Redis its absence is reported once, by test/conformance/bullmq.test.ts.
const redisSkip = await redisSkipReason();

export const BACKENDS: Backend[] = [
  { name: 'memory', make: () => ({ storage: new MemoryJobQueueStorage(), cleanup: () => {} }) },
  {
    name: 'sqlite',
    make: () => {
      const tmp = makeTempDir();
      return { storage: new SQLiteJobQueueStorage({ filename: join(tmp.dir, 'jobs.db') }), cleanup: tmp.cleanup };
    },
  },
  ...(redisSkip === null
    ? [
        {
          name: 'redis',
          make: () => {
            const prefix = freshPrefix();
            return {
              storage: new BullMQJobQueueStorage({ connection: REDIS_URL, prefix }),
              cleanup: () => deletePrefix(prefix),
            };
          },
        },
      ]
    : []),
];

/** A queue on `backend` with fast timings for tests; returns it with a disposer. */
export function makeQueue(
  backend: Backend,
  options: Partial<JobQueueOptions> = {},
): { queue: JobQueue; registry: HandlerRegistry; dispose: () => Promise<void> } {
  const { storage, cleanup } = backend.make();
  const registry = options.registry ?? new HandlerRegistry();
  const queue = new JobQueue({
    storage,
    registry,
    logger: pino({ level: 'silent' }),
    backoff: { type: 'fixed', delayMs: 10 },
    ...options,
  });
  return {
    queue,
    registry,
    dispose: async () => {
      await queue.stop({ timeoutMs: 1_000 });
      await cleanup();
    },
  };
}
