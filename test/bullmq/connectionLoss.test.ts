/**
 * A queue on Redis survives losing its connections mid-run: Redis closes every connection
 * of the queue (as a Redis restart or a network cut would) while 2,000 jobs run; ioredis
 * reconnects, and every job is still completed exactly once. Commands in flight at the cut
 * are not re-sent (they may have run), so the cut can cost a lease, never a duplicate.
 */
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StorageError } from '../../src/errors.js';
import { HandlerRegistry } from '../../src/handlers/HandlerRegistry.js';
import { JobQueue } from '../../src/JobQueue.js';
import { BullMQJobQueueStorage } from '../../src/backends/redis/storage.js';
import { deletePrefix, freshPrefix, redisSkipReason } from './redisTestEnv.js';

const skip = await redisSkipReason();
const JOBS = 2000;

describe.skipIf(skip !== null)(`Redis connection loss${skip ? ` — skipped: ${skip}` : ''}`, () => {
  let prefix: string;
  let admin: Redis;

  beforeEach(() => {
    prefix = freshPrefix();
    admin = new Redis('redis://127.0.0.1:6379/0');
  });

  afterEach(async () => {
    admin.disconnect();
    await deletePrefix(prefix);
  });

  it('completes every job exactly once across a cut of all its connections', async () => {
    const name = `${prefix}-queue`;
    const storage = new BullMQJobQueueStorage({
      connection: { host: '127.0.0.1', port: 6379, connectionName: name },
      prefix,
      maxEvents: 100_000,
    });
    const registry = new HandlerRegistry();
    let handled = 0;
    registry.register(
      'cut',
      async () => {
        handled++;
        await new Promise((resolve) => setTimeout(resolve, 1));
      },
      { schema: z.object({ n: z.number() }) },
    );
    const errors: Error[] = [];
    const queue = new JobQueue({
      storage,
      registry,
      concurrency: 10,
      logger: pino({ level: 'silent' }),
      leaseMs: 1000,
      heartbeatMs: 200,
      stalledCheckMs: 200,
    });
    queue.on('worker:error', ({ error }) => errors.push(error));
    await queue.start();
    try {
      await queue.addJobs(Array.from({ length: JOBS }, (_, n) => ({ type: 'cut', payload: { n } })));
      await expect.poll(() => handled, { timeout: 10_000, interval: 5 }).toBeGreaterThan(JOBS / 4);
      const clients = String(await admin.call('CLIENT', 'LIST'))
        .split('\n')
        .filter((line) => line.includes(` name=${name} `))
        .map((line) => /id=(\d+)/.exec(line)?.[1]);
      expect(clients.length).toBeGreaterThan(0);
      for (const id of clients) await admin.call('CLIENT', 'KILL', 'ID', String(id));

      await expect
        .poll(
          async () => {
            const s = await queue.getStats();
            return s.pending + s.delayed + s.processing + s.failed;
          },
          { timeout: 40_000, interval: 100 },
        )
        .toBe(0);
    } finally {
      await queue.stop({ timeoutMs: 5000 });
    }

    const completed = new Map<string, number>();
    let failed = 0;
    for (const [, fields] of await admin.xrange(`${prefix}:jobs:events`, '-', '+')) {
      const event = fields[fields.indexOf('event') + 1];
      const jobId = fields[fields.indexOf('jobId') + 1] ?? '';
      if (event === 'completed') completed.set(jobId, (completed.get(jobId) ?? 0) + 1);
      if (event === 'failed') failed++;
    }
    // Operations that met the cut were reported, as typed storage errors.
    expect(errors.every((e) => e instanceof StorageError)).toBe(true);
    expect(failed).toBe(0);
    expect(completed.size).toBe(JOBS);
    expect([...completed.values()].every((n) => n === 1)).toBe(true);
  });
});
