/**
 * Rate limits through the public API: registration (and the errors for bad limits), the
 * limits shown by getJobTypes, workers that sleep until the next slot instead of polling,
 * and RateLimitedError (a handler rate limited by a remote waits without losing an
 * attempt), on every backend; parseRetryAfter.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  HandlerRegistry,
  JobQueue,
  MemoryJobQueueStorage,
  RateLimitedError,
  RegistrationError,
  SQLiteJobQueueStorage,
  ValidationError,
  definePlugin,
  parseRetryAfter,
  rateLimitedFor,
  type ClaimReport,
  type IJobQueueStorage,
  type Job,
} from '../../src/index.js';
import { BullMQJobQueueStorage } from '../../src/backends/redis/storage.js';
import { deletePrefix, freshPrefix, REDIS_URL, redisSkipReason } from '../bullmq/redisTestEnv.js';
import { makeTempDir, waitFor } from '../support/tmp.js';

const redisSkip = await redisSkipReason();
const PLACES: { name: string; open(): { storage: IJobQueueStorage; cleanup: () => void | Promise<void> } }[] = [
  { name: 'memory', open: () => ({ storage: new MemoryJobQueueStorage(), cleanup: () => {} }) },
  {
    name: 'sqlite',
    open: () => {
      const tmp = makeTempDir();
      return { storage: new SQLiteJobQueueStorage({ filename: join(tmp.dir, 'jobs.db') }), cleanup: tmp.cleanup };
    },
  },
  ...(redisSkip === null
    ? [
        {
          name: 'redis',
          open: () => {
            const prefix = freshPrefix();
            return { storage: new BullMQJobQueueStorage({ connection: REDIS_URL, prefix }), cleanup: () => deletePrefix(prefix) };
          },
        },
      ]
    : []),
];

const schema = z.object({ key: z.string() });
const silent = pino({ level: 'silent' });

/** One claim as the queue made it: its clock, what it got, and the next slot it was told of. */
interface SeenClaim {
  now: number;
  got: number;
  nextSlotAt: number | null;
}

/** `storage`, with every claim the queue makes written down. */
function watched(storage: IJobQueueStorage, seen: SeenClaim[]): IJobQueueStorage {
  const claim: IJobQueueStorage['claim'] = async (workerId, limit, now, leaseMs, filter, report) => {
    const r: ClaimReport = report ?? { nextSlotAt: null };
    const jobs = await storage.claim(workerId, limit, now, leaseMs, filter, r);
    seen.push({ now, got: jobs.length, nextSlotAt: r.nextSlotAt });
    return jobs;
  };
  return new Proxy(storage, {
    get(target, prop) {
      if (prop === 'claim') return claim;
      // Without completeAndClaim the queue claims through claim() alone.
      if (prop === 'completeAndClaim') return undefined;
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

for (const place of PLACES) {
  describe(`rate limits through the queue (${place.name})`, () => {
    const cleanups: (() => void | Promise<void>)[] = [];
    afterEach(async () => {
      for (const fn of cleanups.splice(0).reverse()) await fn();
    });

    function open(): IJobQueueStorage {
      const { storage, cleanup } = place.open();
      cleanups.push(cleanup);
      return storage;
    }

    it('jobs over the limit wait pending, and the worker sleeps until the next slot instead of polling', async () => {
      const seen: SeenClaim[] = [];
      const registry = new HandlerRegistry();
      const done: Job[] = [];
      registry.register('call', () => {}, { schema, rateLimit: { max: 1, durationMs: 300 } });
      const queue = new JobQueue({ storage: watched(open(), seen), registry, concurrency: 1, logger: silent, scheduler: false });
      queue.on('job:completed', ({ job }) => done.push(job));
      cleanups.push(() => queue.stop());
      await queue.addJobs([1, 2, 3].map((n) => ({ type: 'call', payload: { key: `k${n}` } })));
      await queue.start();
      await waitFor(() => done.length === 3, 20_000, 'three jobs');
      // Each job was claimed once, its only attempt: waiting cost none.
      expect(done.map((j) => j.attempts)).toEqual([1, 1, 1]);
      const starts = seen.filter((c) => c.got > 0).map((c) => c.now);
      expect(starts).toHaveLength(3);
      for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(300);
      // After a claim told of the next slot, the worker's next claim came at that slot, not before.
      const told = seen.flatMap((c, i) =>
        c.got === 0 && c.nextSlotAt !== null && i + 1 < seen.length ? [[c.nextSlotAt, seen[i + 1]!.now]] : [],
      );
      expect(told.length).toBeGreaterThanOrEqual(2);
      for (const [slot, next] of told) expect(next).toBeGreaterThanOrEqual(slot!);
    });

    it('a handler that throws RateLimitedError waits retryAfterMs without losing an attempt', async () => {
      const registry = new HandlerRegistry();
      let calls = 0;
      registry.register(
        'remote',
        () => {
          calls++;
          if (calls <= 2) throw new RateLimitedError(40, `the remote said 429 (${calls})`);
          return 'ok';
        },
        { schema },
      );
      const queue = new JobQueue({ storage: open(), registry, concurrency: 2, logger: silent, scheduler: false });
      cleanups.push(() => queue.stop());
      const limited: { job: Job; retryAfterMs: number; nextRunAt: number; message: string }[] = [];
      const failures: unknown[] = [];
      let completed: Job | null = null;
      queue.on('job:rate-limited', ({ job, retryAfterMs, nextRunAt, error }) =>
        limited.push({ job, retryAfterMs, nextRunAt, message: error.message }),
      );
      queue.on('job:retrying', (e) => failures.push(e));
      queue.on('job:failed', (e) => failures.push(e));
      queue.on('job:completed', ({ job }) => (completed = job));
      // No retries at all: a rate-limited attempt must not use one up.
      const id = await queue.addJob({ type: 'remote', payload: { key: 'x' }, maxRetries: 0 });
      await queue.start();
      await waitFor(() => completed !== null, 20_000, 'the job to complete');
      expect(calls).toBe(3);
      expect(failures).toEqual([]);
      expect(completed!).toMatchObject({ id, attempts: 1 });
      expect(limited.map((l) => [l.job.id, l.job.attempts, l.retryAfterMs, l.message])).toEqual([
        [id, 0, 40, 'the remote said 429 (1)'],
        [id, 0, 40, 'the remote said 429 (2)'],
      ]);
      expect(limited[0]!.job.lastError).toBe('the remote said 429 (1)');
      expect(limited[0]!.nextRunAt).toBe(limited[0]!.job.runAt);
    });
  });
}

describe('rate limit registration', () => {
  const bad: [string, Record<string, unknown>, string[]][] = [
    ['rateLimit.max 0', { rateLimit: { max: 0, durationMs: 1000 } }, ['rateLimit.max']],
    ['a negative rateLimit.max', { rateLimit: { max: -5, durationMs: 1000 } }, ['rateLimit.max']],
    ['a fractional rateLimit.durationMs', { rateLimit: { max: 5, durationMs: 1.5 } }, ['rateLimit.durationMs']],
    ['an infinite rateLimit.durationMs', { rateLimit: { max: 5, durationMs: Number.POSITIVE_INFINITY } }, ['rateLimit.durationMs']],
    ['a rateLimit.max given as text', { rateLimit: { max: '5', durationMs: 1000 } }, ['rateLimit.max']],
    ['rateLimit without durationMs', { rateLimit: { max: 5 } }, ['rateLimit.durationMs']],
    ['a misspelt rateLimit field', { rateLimit: { max: 5, duration: 1000 } }, ['rateLimit.durationMs', 'rateLimit.duration']],
    ['rateLimit as a number', { rateLimit: 100 }, ['rateLimit']],
    ['group.rateLimit.max 0', { group: { by: () => 'k', rateLimit: { max: 0, durationMs: 1000 } } }, ['group.rateLimit.max']],
    [
      'a negative group.rateLimit.durationMs',
      { group: { by: () => 'k', rateLimit: { max: 1, durationMs: -1 } } },
      ['group.rateLimit.durationMs'],
    ],
  ];

  for (const [what, options, paths] of bad) {
    it(`refuses ${what}, naming ${paths.join(' and ')}, and registers nothing`, () => {
      const registry = new HandlerRegistry();
      let error: unknown;
      try {
        registry.register('t', () => {}, { schema, ...options });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RegistrationError);
      expect((error as RegistrationError).issues.map((i) => i.path)).toEqual(paths);
      for (const path of paths) expect((error as Error).message).toContain(path);
      expect(registry.has('t')).toBe(false);
      expect(registry.version).toBe(0);
    });
  }

  it('a plugin with a bad rate limit registers none of its jobs', async () => {
    const q = new JobQueue({ storage: new MemoryJobQueueStorage(), logger: silent });
    const plugin = definePlugin({
      name: 'p',
      jobs: {
        fine: { schema, handler: () => {}, rateLimit: { max: 10, durationMs: 1000 } },
        bad: { schema, handler: () => {}, rateLimit: { max: 10, durationMs: 0 } },
      },
    });
    await expect(q.use(plugin)).rejects.toMatchObject({ name: 'RegistrationError', issues: [{ path: 'rateLimit.durationMs' }] });
    expect(q.registry.types()).toEqual([]);
  });

  it('keeps a copy of the limits, and getJobTypes shows them', async () => {
    const rate = { max: 40, durationMs: 1000 };
    const q = new JobQueue({ storage: new MemoryJobQueueStorage(), logger: silent, scheduler: false });
    q.registry.register('fetch', () => {}, {
      schema,
      rateLimit: rate,
      group: { by: (p) => p.key, rateLimit: { max: 1, durationMs: 60_000 } },
    });
    rate.max = 1;
    expect(q.registry.get('fetch')).toMatchObject({
      rateLimit: { max: 40, durationMs: 1000 },
      group: { concurrency: 1, rateLimit: { max: 1, durationMs: 60_000 } },
    });
    expect(await q.getJobTypes()).toEqual([
      expect.objectContaining({
        type: 'fetch',
        rateLimit: { max: 40, durationMs: 1000 },
        group: { concurrency: 1, rateLimit: { max: 1, durationMs: 60_000 } },
      }),
    ]);
  });
});

describe('RateLimitedError and parseRetryAfter', () => {
  it('RateLimitedError takes a wait of at least 0 ms, rounded up; anything else is a ValidationError naming retryAfterMs', () => {
    const e = new RateLimitedError(1500.2);
    expect(e).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 1501, message: 'Rate limited: retry after 1501 ms' });
    expect(new RateLimitedError(0, 'slow down').message).toBe('slow down');
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '10' as unknown as number]) {
      expect(() => new RateLimitedError(bad)).toThrow(ValidationError);
      try {
        new RateLimitedError(bad);
      } catch (error) {
        expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['retryAfterMs']);
      }
    }
  });

  it('rateLimitedFor recognises the error by its code too (another copy of the library), and nothing else', () => {
    expect(rateLimitedFor(new RateLimitedError(250))).toBe(250);
    expect(rateLimitedFor(Object.assign(new Error('429'), { code: 'RATE_LIMITED', retryAfterMs: 99.5 }))).toBe(100);
    expect(rateLimitedFor(Object.assign(new Error('429'), { code: 'RATE_LIMITED', retryAfterMs: -1 }))).toBeNull();
    expect(rateLimitedFor(Object.assign(new Error('x'), { retryAfterMs: 10 }))).toBeNull();
    expect(rateLimitedFor(new Error('plain'))).toBeNull();
    expect(rateLimitedFor('RATE_LIMITED')).toBeNull();
  });

  it('parseRetryAfter reads delay-seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:00:00 GMT', now)).toBe(0);
    for (const bad of [null, undefined, '', '-5', '1.5', 'soon', '2026-10-21', '99999999999999999999']) {
      expect(parseRetryAfter(bad, now)).toBeNull();
    }
  });
});
