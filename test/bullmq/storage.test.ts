/**
 * Redis storage: the semantics the conformance suite does not single out, checked on a
 * real Redis under a fresh key prefix (priorities across the 1..10 range, FIFO within a
 * priority, lease holders, stall policy, dead-letter, per-type stats, the watch counter
 * and cross-node events through BullMQ's QueueEvents).
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError, ValidationError } from '../../src/errors.js';
import { BullMQJobQueueStorage, type StorageJobEvent } from '../../src/backends/redis/storage.js';
import type { NewJob } from '../../src/storage/types.js';
import { newJob as baseJob } from '../support/jobs.js';
import { deletePrefix, freshPrefix, REDIS_URL, redisSkipReason } from './redisTestEnv.js';

const skip = await redisSkipReason();

function newJob(over: Partial<NewJob> = {}): NewJob {
  return baseJob({ type: 't', ...over });
}

describe('BullMQJobQueueStorage options', () => {
  it('rejects bad options, naming each, before connecting', () => {
    expect(() => new BullMQJobQueueStorage(undefined as unknown as { connection: string })).toThrow(ValidationError);
    try {
      new BullMQJobQueueStorage({ connection: REDIS_URL, prefix: 'a b', queueName: 'x:y', defaultConcurrency: 0, maxEvents: 1.5 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['prefix', 'queueName', 'defaultConcurrency', 'maxEvents']);
    }
  });

  it('reports an unreachable Redis as a StorageError from init()', async () => {
    const storage = new BullMQJobQueueStorage({ connection: { host: '127.0.0.1', port: 1, retryStrategy: () => null } });
    await expect(storage.init()).rejects.toBeInstanceOf(StorageError);
  });
});

describe.skipIf(skip !== null)(`BullMQJobQueueStorage on Redis${skip ? ` — skipped: ${skip}` : ''}`, () => {
  let prefix: string;
  let storage: BullMQJobQueueStorage;

  beforeEach(async () => {
    prefix = freshPrefix();
    storage = new BullMQJobQueueStorage({ connection: REDIS_URL, prefix });
    await storage.init();
  });

  afterEach(async () => {
    await storage.close();
    await deletePrefix(prefix);
  });

  it('claims by priority, then run time, then insertion, across every priority', async () => {
    const added = await storage.add(
      [
        newJob({ priority: 10, runAt: 100 }),
        newJob({ priority: 1, runAt: 500 }),
        newJob({ priority: 5, runAt: 300 }),
        newJob({ priority: 5, runAt: 200 }),
        newJob({ priority: 5, runAt: 200 }),
        newJob({ priority: 1, runAt: 5000 }),
      ],
      0,
    );
    const ids = added.map((a) => a.id);
    const claimed = await storage.claim('w', 10, 1000, 30_000);
    expect(claimed.map((j) => j.id)).toEqual([ids[1], ids[3], ids[4], ids[2], ids[0]]);
    expect(claimed.every((j) => j.attempts === 1 && j.lockedBy === 'w' && j.lockedUntil === 31_000)).toBe(true);
  });

  it('keeps FIFO within a priority beyond ten ids (ids sort numerically, not as text)', async () => {
    const added = await storage.add(
      Array.from({ length: 12 }, () => newJob({ runAt: 1 })),
      0,
    );
    const claimed = await storage.claim('w', 12, 1000, 1000);
    expect(claimed.map((j) => j.id)).toEqual(added.map((a) => a.id));
  });

  it('ignores changes from a worker that lost its lease', async () => {
    const [a] = await storage.add([newJob()], 0);
    await storage.claim('w1', 1, 1000, 100);
    const report = await storage.recoverStalled({ now: 2000, maxStalls: 3, retain: false });
    expect(report.recovered.map((j) => j.id)).toEqual([a!.id]);
    const [again] = await storage.claim('w2', 1, 2000, 10_000);
    expect(again?.attempts).toBe(2);
    expect(again?.stalls).toBe(1);
    expect(await storage.complete([{ id: a!.id, workerId: 'w1' }])).toBe(0);
    expect(await storage.fail({ id: a!.id, workerId: 'w1' }, { error: 'x', retryAt: 5, retain: false }, 2000)).toBe(false);
    expect((await storage.extendLeases([{ id: a!.id, workerId: 'w1' }], 2000, 1000)).lost).toEqual([a!.id]);
    expect(await storage.complete([{ id: a!.id, workerId: 'w2' }])).toBe(1);
    expect(await storage.get(a!.id)).toBeNull();
  });

  it('fails a job for good after maxStalls and keeps it as a dead-letter when asked', async () => {
    const [a] = await storage.add([newJob({ maxRetries: 10, dedupeKey: 'k' })], 0);
    await storage.claim('w', 1, 1000, 10);
    const report = await storage.recoverStalled({ now: 2000, maxStalls: 0, retain: true });
    expect(report.failed.map((j) => j.id)).toEqual([a!.id]);
    const dead = await storage.get(a!.id);
    expect(dead?.state).toBe('failed');
    expect(dead?.lastError).toMatch(/stalled 1 time/);
    // The dead-letter no longer holds its dedupe key...
    const [b] = await storage.add([newJob({ dedupeKey: 'k' })], 2000);
    expect(b?.created).toBe(true);
    // ...so retrying it while the new one lives is refused.
    await expect(storage.retry(a!.id, 3000)).rejects.toThrow(/dedupe key/);
  });

  it('completeAndClaim completes held leases and claims the next jobs in one call', async () => {
    const [a, b, c] = await storage.add([newJob(), newJob(), newJob()], 0);
    await storage.claim('w', 1, 1000, 1000);
    const first = await storage.completeAndClaim([{ id: a!.id, workerId: 'w' }], { workerId: 'w', limit: 1, now: 1000, leaseMs: 500 });
    expect(first.completed).toBe(1);
    expect(first.jobs.map((j) => [j.id, j.lockedUntil])).toEqual([[b!.id, 1500]]);
    // A lease the caller lost is not completed; the claim still happens.
    const second = await storage.completeAndClaim([{ id: b!.id, workerId: 'other' }], { workerId: 'w', limit: 5, now: 1000, leaseMs: 500 });
    expect(second).toMatchObject({ completed: 0, jobs: [{ id: c!.id }] });
    expect(await storage.get(a!.id)).toBeNull();
    expect((await storage.get(b!.id))?.state).toBe('processing');
  });

  it('destroy removes every key of the queue', async () => {
    await storage.add([newJob({ dedupeKey: 'd' })], 0);
    await storage.destroy();
    const redis = new Redis(REDIS_URL);
    try {
      expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('release gives the attempt back and keeps priority and run time', async () => {
    const [a] = await storage.add([newJob({ priority: 2, runAt: 700 })], 0);
    await storage.claim('w', 1, 1000, 1000);
    await storage.release([{ id: a!.id, workerId: 'w' }]);
    const job = await storage.get(a!.id);
    expect(job).toMatchObject({ state: 'pending', attempts: 0, priority: 2, runAt: 700, lockedBy: null });
  });

  it('counts by state and type with the caller clock', async () => {
    await storage.add([newJob({ type: 'a', runAt: 10 }), newJob({ type: 'a', runAt: 5000 }), newJob({ type: 'b', runAt: 10 })], 0);
    const [claimed] = await storage.claim('w', 1, 100, 1000);
    await storage.fail({ id: claimed!.id, workerId: 'w' }, { error: 'boom', retryAt: null, retain: true }, 100);
    const stats = await storage.stats(100);
    expect(stats).toEqual({
      pending: 1,
      delayed: 1,
      processing: 0,
      failed: 1,
      paused: false,
      pausedTypes: [],
      workers: 0,
      withoutWorker: 2,
      byType: {
        a: { pending: 0, delayed: 1, processing: 0, failed: 1, paused: false, workers: 0 },
        b: { pending: 1, delayed: 0, processing: 0, failed: 0, paused: false, workers: 0 },
      },
    });
    expect(await storage.nextRunAt()).toBe(10);
  });

  it('watch hears work added by another storage instance', async () => {
    const other = new BullMQJobQueueStorage({ connection: REDIS_URL, prefix });
    await other.init();
    let heard = 0;
    const stop = storage.watch(() => heard++, 5);
    try {
      await new Promise((r) => setTimeout(r, 30));
      await other.add([newJob()], 0);
      await expect.poll(() => heard, { timeout: 5000 }).toBeGreaterThan(0);
    } finally {
      stop();
      await other.close();
    }
  });

  it('delivers completions and failures recorded on another node through QueueEvents', async () => {
    const other = new BullMQJobQueueStorage({ connection: REDIS_URL, prefix });
    await other.init();
    const events: StorageJobEvent[] = [];
    const errors: Error[] = [];
    const stop = await storage.events((e) => events.push(e), { onError: (e) => errors.push(e) });
    try {
      const [a, b, c] = await other.add([newJob({ type: 'x' }), newJob({ type: 'y' }), newJob({ type: 'z' })], 0);
      await other.claim('n2', 3, 1000, 10_000);
      await other.complete([{ id: a!.id, workerId: 'n2' }]);
      await other.fail({ id: b!.id, workerId: 'n2' }, { error: 'nope', retryAt: null, retain: false }, 1000);
      await other.fail({ id: c!.id, workerId: 'n2' }, { error: 'again', retryAt: 9000, retain: false }, 1000);
      // An event recorded through the listening instance itself is not delivered.
      const [own] = await storage.add([newJob()], 0);
      await storage.claim('n1', 1, 1000, 10_000);
      await storage.complete([{ id: own!.id, workerId: 'n1' }]);
      await expect.poll(() => events.length, { timeout: 5000 }).toBe(3);
      expect(events.map((e) => [e.kind, e.jobId, e.type])).toEqual([
        ['completed', a!.id, 'x'],
        ['failed', b!.id, 'y'],
        ['retrying', c!.id, 'z'],
      ]);
      expect(events[1]).toMatchObject({ error: 'nope', attempts: 1, origin: other.instanceId });
      expect(events[2]?.nextRunAt).toBe(9000);
      expect(errors).toEqual([]);
    } finally {
      await stop();
      await other.close();
    }
  });
});
