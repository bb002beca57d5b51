/**
 * A job delayed for weeks costs an idle queue nothing: Node's timers cannot wait longer
 * than 2^31−1 ms (24.8 days) and fire after 1 ms when asked to, so a wake-up armed for
 * such a job must wait in chunks. Counted, not timed: how often the idle queue asks its
 * storage for work while the job waits, and whether Node warned about a timer.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, MAX_JOB_DELAY_MS, SQLiteJobQueueStorage } from '../../src/index.js';
import { MAX_TIMER_DELAY_MS, setTimeoutAt } from '../../src/timers.js';
import { makeTempDir, sleep } from '../support/tmp.js';

const DAY = 86_400_000;
const temps: (() => void)[] = [];
const queues: JobQueue[] = [];
afterEach(async () => {
  for (const q of queues.splice(0)) await q.stop({ timeoutMs: 500 });
  for (const cleanup of temps.splice(0)) cleanup();
});

/** A started SQLite queue whose storage counts the claims and next-run-time reads it serves. */
async function idleQueue(): Promise<{ queue: JobQueue; calls: { claim: number; nextRunAt: number } }> {
  const tmp = makeTempDir();
  temps.push(tmp.cleanup);
  const storage = new SQLiteJobQueueStorage({ filename: join(tmp.dir, 'jobs.db') });
  const calls = { claim: 0, nextRunAt: 0 };
  const claim = storage.claim.bind(storage);
  const nextRunAt = storage.nextRunAt.bind(storage);
  storage.claim = (...args) => (calls.claim++, claim(...args));
  storage.nextRunAt = () => (calls.nextRunAt++, nextRunAt());
  // The batched path claims through completeAndClaim only when something completes: none here.
  const registry = new HandlerRegistry();
  registry.register('later', async () => {}, { schema: z.object({}) });
  const queue = new JobQueue({ storage, registry });
  queues.push(queue);
  await queue.start();
  return { queue, calls };
}

describe('long delays', () => {
  it('a job delayed by 30 days leaves an idle queue asleep: no timer overflow, no busy polling', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const { queue, calls } = await idleQueue();
      await queue.addJob({ type: 'later', payload: {}, delayMs: 30 * DAY });
      await sleep(100); // the workers' first polls
      const before = { ...calls };
      await sleep(1_000);
      const claims = calls.claim - before.claim;
      const reads = calls.nextRunAt - before.nextRunAt;
      // Sleeping workers poll with a doubling back-off up to maxIdleMs (1 s): a handful
      // of claims a second for three workers. A wake-up timer that overflowed fired
      // every millisecond: hundreds of claims and next-run-time reads.
      expect(claims).toBeLessThan(30);
      expect(reads).toBeLessThan(30);
      expect(warnings.filter((w) => w.startsWith('TimeoutOverflowWarning'))).toEqual([]);
      expect((await queue.getStats()).delayed).toBe(1);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('setTimeoutAt waits in chunks Node can honour and fires once, when the moment has come', async () => {
    let clock = 0;
    const armed: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    const pending: (() => void)[] = [];
    // A stand-in for setTimeout that records each delay and runs callbacks when told.
    globalThis.setTimeout = ((fn: () => void, ms: number) => {
      armed.push(ms);
      pending.push(() => {
        clock += ms;
        fn();
      });
      return realSetTimeout(() => {}, 0);
    }) as unknown as typeof setTimeout;
    let fired = 0;
    try {
      setTimeoutAt(60 * DAY, () => fired++, { now: () => clock });
      while (pending.length > 0) pending.shift()!();
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
    expect(fired).toBe(1);
    expect(Math.max(...armed)).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
    expect(armed.length).toBe(3); // 24.8 + 24.8 + the 10.4 days left
    expect(clock).toBeGreaterThanOrEqual(60 * DAY);
  });

  it('refuses a run time beyond 10 years, naming the field; takes a Date or an ISO-8601 text', async () => {
    const { queue } = await idleQueue();
    await expect(queue.addJob({ type: 'later', payload: {}, runAt: 1e300 })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      issues: [
        {
          path: 'runAt',
          message:
            'must be a time at most 10 years from now: epoch milliseconds, a Date, or an ISO-8601 text such as 2030-01-01T09:00:00Z, not 1e+300',
        },
      ],
    });
    await expect(queue.addJob({ type: 'later', payload: {}, delayMs: MAX_JOB_DELAY_MS + 1 })).rejects.toMatchObject({
      issues: [
        {
          path: 'delayMs',
          message: `must be a number of milliseconds from 0 to ${MAX_JOB_DELAY_MS} (10 years), not ${MAX_JOB_DELAY_MS + 1}`,
        },
      ],
    });
    await expect(queue.addJob({ type: 'later', payload: {}, runAt: Date.now() + MAX_JOB_DELAY_MS + DAY })).rejects.toMatchObject({
      issues: [{ path: 'runAt' }],
    });
    expect((await queue.getStats()).delayed).toBe(0);

    const iso = await queue.addJob({ type: 'later', payload: {}, runAt: '2031-02-03T04:05:06+01:00' });
    expect((await queue.getJob(iso))?.runAt).toBe(Date.parse('2031-02-03T03:05:06Z'));
    const date = await queue.addJob({ type: 'later', payload: {}, runAt: new Date('2031-01-01T00:00:00Z') });
    expect((await queue.getJob(date))?.runAt).toBe(Date.parse('2031-01-01T00:00:00Z'));
    const day = await queue.addJob({ type: 'later', payload: {}, runAt: '2031-01-01' });
    expect((await queue.getJob(day))?.runAt).toBe(Date.parse('2031-01-01T00:00:00Z'));
    // A time without its offset would mean another moment on every server.
    await expect(queue.addJob({ type: 'later', payload: {}, runAt: '2031-01-01T09:00' })).rejects.toMatchObject({
      issues: [{ path: 'runAt' }],
    });
  });

  it('refuses queue periods a timer cannot wait, naming the option', () => {
    const registry = new HandlerRegistry();
    const storage = new SQLiteJobQueueStorage({ filename: ':memory:' });
    expect(() => new JobQueue({ storage, registry, maxIdleMs: 30 * DAY })).toThrow(
      expect.objectContaining({
        issues: [
          { path: 'maxIdleMs', message: `must be a whole number of milliseconds from 1 to ${MAX_TIMER_DELAY_MS} (about 24.8 days)` },
        ],
      }),
    );
  });
});
