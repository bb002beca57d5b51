/**
 * `list` on Redis pages through jobs exactly as the memory backend does (the reference
 * for claim order): every state, type filter, offset and limit, over a mix of pending,
 * delayed, running and dead-letter jobs of several priorities and types.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullMQJobQueueStorage } from '../../src/backends/redis/storage.js';
import { MemoryJobQueueStorage } from '../../src/backends/memory/storage.js';
import type { IJobQueueStorage, JobListQuery, NewJob } from '../../src/storage/types.js';
import { deletePrefix, freshPrefix, REDIS_URL, redisSkipReason } from './redisTestEnv.js';

const skip = await redisSkipReason();
const NOW = 1_000_000;

/** A deterministic mix: 150 jobs over 4 priorities, 3 types, run times in the past and future. */
function jobs(): NewJob[] {
  return Array.from({ length: 150 }, (_, n) => ({
    type: ['a', 'b', 'c'][n % 3]!,
    payload: { n },
    payloadJson: JSON.stringify({ n }),
    priority: [1, 3, 5, 10][(n * 7) % 4]!,
    maxRetries: 3,
    // Repeated run times exercise the insertion-order tie break.
    runAt: NOW + ((n * 37) % 11) * 1000 - 5000,
    dedupeKey: null,
    groupKey: null,
    timeoutMs: null,
    manual: false,
  }));
}

async function fill(storage: IJobQueueStorage): Promise<void> {
  await storage.init();
  await storage.add(jobs(), NOW);
  const running = await storage.claim('w', 30, NOW, 60_000);
  // A third of the claimed jobs become dead-letters.
  for (const j of running.filter((_, i) => i % 3 === 0)) {
    await storage.fail({ id: j.id, workerId: 'w' }, { error: 'x', retryAt: null, retain: true }, NOW);
  }
}

describe.skipIf(skip !== null)(`Redis list order${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const prefix = freshPrefix();
  const redis = new BullMQJobQueueStorage({ connection: REDIS_URL, prefix });
  const memory = new MemoryJobQueueStorage();

  beforeAll(async () => {
    await fill(redis);
    await fill(memory);
  });

  afterAll(async () => {
    await redis.close();
    await deletePrefix(prefix);
  });

  const states = [undefined, 'pending', 'delayed', 'processing', 'failed'] as const;
  const cases: JobListQuery[] = [];
  for (const state of states) {
    for (const type of [undefined, 'b']) {
      for (const [offset, limit] of [
        [0, 1000],
        [0, 7],
        [13, 20],
        [140, 50],
        [0, 0],
      ] as const) {
        cases.push({ state, type, offset, limit });
      }
    }
  }

  it.each(cases)('list %j', async (query) => {
    const payloads = async (s: IJobQueueStorage) => (await s.list(query, NOW)).map((j) => [(j.payload as { n: number }).n, j.state]);
    const expected = await payloads(memory);
    expect(await payloads(redis)).toEqual(expected);
    if (query.limit === 1000 && query.type === undefined) expect(expected.length).toBeGreaterThan(0);
  });
});
