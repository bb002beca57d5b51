/**
 * Queue controls through the public API, on every backend: a queue claims only the job
 * types its registry holds (two queues sharing one store split the work by type), pause
 * and resume, per-type and per-key concurrency, group keys, stats about live workers, and
 * the errors for bad limits and bad group keys.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  HandlerRegistry,
  JobQueue,
  MemoryJobQueueStorage,
  RegistrationError,
  SQLiteJobQueueStorage,
  ValidationError,
  definePlugin,
  type IJobQueueStorage,
  type Job,
  type JobQueueOptions,
} from '../../src/index.js';
import { BullMQJobQueueStorage } from '../../src/backends/redis/storage.js';
import { deletePrefix, freshPrefix, REDIS_URL, redisSkipReason } from '../bullmq/redisTestEnv.js';
import { makeTempDir, sleep, waitFor } from '../support/tmp.js';

/** A place two queues can share: each call of `storage()` opens it anew (one instance for memory). */
interface Shared {
  name: string;
  open(): { storage: () => IJobQueueStorage; cleanup: () => void | Promise<void> };
}

const redisSkip = await redisSkipReason();
const PLACES: Shared[] = [
  {
    name: 'memory',
    open: () => {
      const one = new MemoryJobQueueStorage();
      return { storage: () => one, cleanup: () => {} };
    },
  },
  {
    name: 'sqlite',
    open: () => {
      const tmp = makeTempDir();
      return { storage: () => new SQLiteJobQueueStorage({ filename: join(tmp.dir, 'jobs.db') }), cleanup: tmp.cleanup };
    },
  },
  ...(redisSkip === null
    ? [
        {
          name: 'redis',
          open: () => {
            const prefix = freshPrefix();
            return { storage: () => new BullMQJobQueueStorage({ connection: REDIS_URL, prefix }), cleanup: () => deletePrefix(prefix) };
          },
        },
      ]
    : []),
];

const n = z.object({ n: z.number() });
const keyed = z.object({ key: z.string(), n: z.number() });

/** Tracks how many handlers run at once, overall and per label. */
class Overlap {
  running = new Map<string, number>();
  max = new Map<string, number>();
  enter(label: string): void {
    const now = (this.running.get(label) ?? 0) + 1;
    this.running.set(label, now);
    this.max.set(label, Math.max(now, this.max.get(label) ?? 0));
  }
  leave(label: string): void {
    this.running.set(label, (this.running.get(label) ?? 1) - 1);
  }
}

for (const place of PLACES) {
  describe(`queue controls (${place.name})`, () => {
    const queues: JobQueue[] = [];
    let cleanup: () => void | Promise<void> = () => {};
    let storage: () => IJobQueueStorage = () => {
      throw new Error('no place opened');
    };
    afterEach(async () => {
      for (const q of queues.splice(0)) await q.stop({ timeoutMs: 1_000 });
      await cleanup();
    });

    function open(): void {
      ({ storage, cleanup } = place.open());
    }

    function queue(registry = new HandlerRegistry(), options: Partial<JobQueueOptions> = {}): JobQueue {
      const q = new JobQueue({ storage: storage(), registry, logger: pino({ level: 'silent' }), scheduler: false, ...options });
      queues.push(q);
      return q;
    }

    it('two queues on one store run only their own job types; the other type keeps its attempts', async () => {
      open();
      const ran: string[] = [];
      const emails = new HandlerRegistry().register('email', async (job) => void ran.push(`email ${job.payload.n}`), { schema: n });
      const thumbs = new HandlerRegistry().register('thumb', async (job) => void ran.push(`thumb ${job.payload.n}`), { schema: n });
      const producer = queue(new HandlerRegistry().register('email', () => {}, { schema: n }).register('thumb', () => {}, { schema: n }));
      const [e1, e2] = await producer.addJobs([
        { type: 'email', payload: { n: 1 } },
        { type: 'email', payload: { n: 2 } },
      ]);
      const thumbQueue = queue(thumbs);
      await thumbQueue.start();
      await producer.addJob({ type: 'thumb', payload: { n: 3 } });
      await waitFor(() => ran.includes('thumb 3'), 5_000, 'the thumb job');
      await sleep(100);
      expect(ran).toEqual(['thumb 3']);
      expect(await producer.getJob(e1!)).toMatchObject({ state: 'pending', attempts: 0, lastError: null });
      const stats = await producer.getStats();
      expect(stats.byType.email).toMatchObject({ pending: 2, workers: 0 });
      expect(stats).toMatchObject({ workers: 1, withoutWorker: 2 });
      const emailQueue = queue(emails);
      await emailQueue.start();
      await waitFor(async () => (await producer.getJob(e1!)) === null && (await producer.getJob(e2!)) === null, 5_000, 'the e-mails');
      expect(ran.slice(1).sort()).toEqual(['email 1', 'email 2']);
      expect((await producer.getStats()).workers).toBe(2);
      await thumbQueue.stop();
      expect((await producer.getStats()).workers).toBe(1);
    });

    it('a type registered after start() is claimed at once', async () => {
      open();
      const q = queue();
      await q.start();
      const producer = queue(new HandlerRegistry().register('late', () => {}, { schema: n }));
      await producer.addJob({ type: 'late', payload: { n: 1 } });
      await sleep(50);
      expect((await producer.getStats()).byType.late).toMatchObject({ pending: 1, workers: 0 });
      const done = new Promise<Job>((resolve) => q.once('job:completed', ({ job }) => resolve(job)));
      await q.use(definePlugin({ name: 'late', jobs: { late: { schema: n, handler: () => {} } } }));
      expect((await done).type).toBe('late');
      expect((await producer.getStats()).workers).toBe(1);
    });

    it('pause and resume, the whole queue or one type: running jobs finish, adding works, events tell', async () => {
      open();
      const ran: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const registry = new HandlerRegistry()
        .register(
          'slow',
          async (job) => {
            await gate;
            ran.push(`slow ${job.payload.n}`);
          },
          { schema: n },
        )
        .register('a', async (job) => void ran.push(`a ${job.payload.n}`), { schema: n })
        .register('b', async (job) => void ran.push(`b ${job.payload.n}`), { schema: n });
      const q = queue(registry, { concurrency: 3 });
      const events: string[] = [];
      q.on('queue:paused', ({ type }) => events.push(`paused ${type}`));
      q.on('queue:resumed', ({ type }) => events.push(`resumed ${type}`));
      await q.start();
      const started = new Promise((r) => q.once('job:started', r));
      await q.addJob({ type: 'slow', payload: { n: 0 } });
      await started;

      expect(await q.pause()).toBe(true);
      expect(await q.pause()).toBe(false);
      expect(await q.isPaused()).toBe(true);
      expect(await q.isPaused('a')).toBe(true);
      await q.addJobs([
        { type: 'a', payload: { n: 1 } },
        { type: 'b', payload: { n: 2 } },
      ]);
      release();
      await waitFor(() => ran.includes('slow 0'), 5_000, 'the running job to finish');
      await sleep(100);
      expect(ran).toEqual(['slow 0']);

      expect(await q.pause('b')).toBe(true);
      expect(await q.resume()).toBe(true);
      expect(await q.isPaused()).toBe(false);
      expect(await q.isPaused('b')).toBe(true);
      expect(await q.isPaused('a')).toBe(false);
      await waitFor(() => ran.includes('a 1'), 5_000, 'the a job after resume');
      await sleep(100);
      expect(ran).toEqual(['slow 0', 'a 1']);
      expect(await q.getStats()).toMatchObject({ paused: false, pausedTypes: ['b'], byType: { b: { pending: 1, paused: true } } });
      expect(await q.resume('b')).toBe(true);
      expect(await q.resume('b')).toBe(false);
      await waitFor(() => ran.includes('b 2'), 5_000, 'the b job after resume');
      expect(events).toEqual(['paused null', 'paused b', 'resumed null', 'resumed b']);
    });

    it('a pause stored by one queue stops another queue sharing the store', async () => {
      open();
      const ran: number[] = [];
      const worker = queue(new HandlerRegistry().register('t', async (job) => void ran.push(job.payload.n), { schema: n }));
      const admin = queue(new HandlerRegistry().register('t', () => {}, { schema: n }));
      await worker.start();
      await admin.pause('t');
      await admin.addJob({ type: 't', payload: { n: 1 } });
      await sleep(200);
      expect(ran).toEqual([]);
      expect(await worker.isPaused('t')).toBe(true);
      await admin.resume('t');
      await waitFor(() => ran.length === 1, 5_000, 'the job after resume');
    });

    it('rejects a pause of a type that is not a non-empty string', async () => {
      open();
      const q = queue();
      for (const bad of ['', '  ', 42, null]) {
        await expect(q.pause(bad as string)).rejects.toMatchObject({ name: 'ValidationError', issues: [{ path: 'type' }] });
      }
      expect(await q.isPaused()).toBe(false);
    });

    it('per-type concurrency holds across queues while other types use the rest', async () => {
      open();
      const overlap = new Overlap();
      let other = 0;
      const handler = async (job: Job<string, { n: number }>): Promise<void> => {
        overlap.enter(job.type);
        await sleep(job.type === 'disk' ? 20 : 2);
        overlap.leave(job.type);
        if (job.type === 'cpu') other++;
      };
      const registry = (): HandlerRegistry =>
        new HandlerRegistry().register('disk', handler, { schema: n, concurrency: 2 }).register('cpu', handler, { schema: n });
      const a = queue(registry(), { concurrency: 4 });
      const b = queue(registry(), { concurrency: 4 });
      await a.addJobs(Array.from({ length: 12 }, (_, i) => ({ type: 'disk', payload: { n: i } })));
      await a.addJobs(Array.from({ length: 30 }, (_, i) => ({ type: 'cpu', payload: { n: i } })));
      await Promise.all([a.start(), b.start()]);
      await waitFor(async () => (await a.getStats()).pending + (await a.getStats()).processing === 0, 20_000, 'the jobs');
      expect(overlap.max.get('disk')).toBe(2);
      expect(overlap.max.get('cpu')).toBeGreaterThan(2);
      expect(other).toBe(30);
    });

    it('per-key concurrency: one job per key at a time, other keys run meanwhile, each key in order', async () => {
      open();
      const overlap = new Overlap();
      const order = new Map<string, number[]>();
      const registry = (): HandlerRegistry =>
        new HandlerRegistry().register(
          'notify',
          async (job) => {
            overlap.enter(job.groupKey!);
            overlap.enter('all');
            (order.get(job.payload.key) ?? order.set(job.payload.key, []).get(job.payload.key)!).push(job.payload.n);
            await sleep(5);
            overlap.leave('all');
            overlap.leave(job.groupKey!);
          },
          { schema: keyed, group: { by: (p) => `player:${p.key}` } },
        );
      const a = queue(registry(), { concurrency: 3 });
      const b = queue(registry(), { concurrency: 3 });
      const ids = await a.addJobs(
        Array.from({ length: 24 }, (_, i) => ({ type: 'notify', payload: { key: ['kodi', 'plex', 'jelly'][i % 3]!, n: i } })),
      );
      expect(await a.getJob(ids[1]!)).toMatchObject({ groupKey: 'player:plex' });
      await Promise.all([a.start(), b.start()]);
      await waitFor(async () => (await a.getStats()).pending + (await a.getStats()).processing === 0, 20_000, 'the jobs');
      for (const key of ['player:kodi', 'player:plex', 'player:jelly']) expect(overlap.max.get(key)).toBe(1);
      expect(overlap.max.get('all')).toBeGreaterThan(1);
      for (const [, seen] of order) expect(seen).toEqual([...seen].sort((x, y) => x - y));
    });

    it('a group key that cannot be computed is a ValidationError naming groupKey, and nothing is stored', async () => {
      open();
      const registry = new HandlerRegistry()
        .register('throws', () => {}, {
          schema: keyed,
          group: {
            by: () => {
              throw new Error('no player');
            },
          },
        })
        .register('number', () => {}, { schema: keyed, group: { by: (p) => p.n as unknown as string } })
        .register('empty', () => {}, { schema: keyed, group: { by: () => '' } })
        .register('fine', () => {}, { schema: keyed, group: { by: (p) => p.key, concurrency: 2 } });
      const q = queue(registry);
      const payload = { key: 'k', n: 1 };
      await expect(q.addJob({ type: 'throws', payload })).rejects.toMatchObject({
        name: 'ValidationError',
        issues: [{ path: 'groupKey', message: expect.stringContaining('no player') }],
      });
      await expect(q.addJob({ type: 'number', payload })).rejects.toMatchObject({
        issues: [{ path: 'groupKey', message: expect.stringContaining('got a number') }],
      });
      await expect(q.addJob({ type: 'empty', payload })).rejects.toThrow(ValidationError);
      await expect(
        q.addJobs([
          { type: 'fine', payload },
          { type: 'number', payload },
        ]),
      ).rejects.toMatchObject({
        issues: [{ path: '1.groupKey' }],
      });
      expect((await q.getStats()).pending).toBe(0);
      const id = await q.addJob({ type: 'fine', payload });
      expect(await q.getJob(id)).toMatchObject({ groupKey: 'k' });
    });
  });
}

describe('limits at registration', () => {
  const schema = z.object({ key: z.string() });
  const bad: [string, Record<string, unknown>, string][] = [
    ['concurrency 0', { concurrency: 0 }, 'concurrency'],
    ['negative concurrency', { concurrency: -1 }, 'concurrency'],
    ['fractional concurrency', { concurrency: 1.5 }, 'concurrency'],
    ['concurrency as text', { concurrency: '2' }, 'concurrency'],
    ['concurrency NaN', { concurrency: Number.NaN }, 'concurrency'],
    ['group not an object', { group: 'player' }, 'group'],
    ['group without by', { group: { concurrency: 1 } }, 'group.by'],
    ['group.by not a function', { group: { by: 'player' } }, 'group.by'],
    ['group.concurrency 0', { group: { by: () => 'k', concurrency: 0 } }, 'group.concurrency'],
    ['group.concurrency infinite', { group: { by: () => 'k', concurrency: Number.POSITIVE_INFINITY } }, 'group.concurrency'],
  ];

  for (const [what, options, path] of bad) {
    it(`refuses ${what}, naming ${path}, and registers nothing`, () => {
      const registry = new HandlerRegistry();
      let error: unknown;
      try {
        registry.register('t', () => {}, { schema, ...options });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RegistrationError);
      expect((error as RegistrationError).issues.map((i) => i.path)).toEqual([path]);
      expect((error as Error).message).toContain(path);
      expect(registry.has('t')).toBe(false);
    });
  }

  it('a plugin with a bad limit registers none of its jobs', async () => {
    const q = new JobQueue({ storage: new MemoryJobQueueStorage(), logger: pino({ level: 'silent' }) });
    const plugin = definePlugin({
      name: 'p',
      jobs: {
        fine: { schema, handler: () => {} },
        bad: { schema, handler: () => {}, group: { by: (p) => p.key, concurrency: -2 } },
      },
    });
    await expect(q.use(plugin)).rejects.toMatchObject({ name: 'RegistrationError', issues: [{ path: 'group.concurrency' }] });
    expect(q.registry.types()).toEqual([]);
  });

  it('accepts limits and reports them on the registration', () => {
    const registry = new HandlerRegistry().register('t', () => {}, { schema, concurrency: 3, group: { by: (p) => p.key } });
    expect(registry.get('t')).toMatchObject({ concurrency: 3, group: { concurrency: 1 } });
  });
});
