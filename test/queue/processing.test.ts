import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JOB_PRIORITY, UnrecoverableError, JobTimeoutError, type Job } from '../../src/index.js';
import { sleep, waitFor } from '../support/tmp.js';
import { BACKENDS, makeQueue } from './harness.js';

const payload = z.object({ n: z.number() });

for (const backend of BACKENDS) {
  describe(`processing (${backend.name})`, () => {
    let dispose: () => Promise<void> = async () => {};
    afterEach(() => dispose());

    function setup(options: Parameters<typeof makeQueue>[1] = {}) {
      const made = makeQueue(backend, options);
      dispose = made.dispose;
      return made;
    }

    it('runs jobs in priority order, then run time, then insertion', async () => {
      const { queue, registry } = setup({ concurrency: 1 });
      const seen: number[] = [];
      registry.register('t', async (job) => void seen.push(job.payload.n), { schema: payload });
      await queue.addJob({ type: 't', payload: { n: 1 }, priority: JOB_PRIORITY.LOW });
      await queue.addJob({ type: 't', payload: { n: 2 } });
      await queue.addJob({ type: 't', payload: { n: 3 }, priority: JOB_PRIORITY.CRITICAL });
      await queue.addJob({ type: 't', payload: { n: 4 } });
      await queue.addJob({ type: 't', payload: { n: 5 }, priority: JOB_PRIORITY.HIGH });
      const drained = new Promise((r) => queue.once('queue:drained', r));
      await queue.start();
      await drained;
      expect(seen).toEqual([3, 5, 2, 4, 1]);
    });

    it('deletes a completed job and emits started/completed with the result and duration', async () => {
      const { queue, registry } = setup();
      registry.register('t', async (job) => ({ doubled: job.payload.n * 2 }), { schema: payload });
      const events: string[] = [];
      queue.on('job:added', () => events.push('added'));
      queue.on('job:started', () => events.push('started'));
      const completed = new Promise<{ job: Job; result: unknown; durationMs: number }>((r) => queue.once('job:completed', r));
      await queue.start();
      const id = await queue.addJob({ type: 't', payload: { n: 21 } });
      const event = await completed;
      expect(event.job.id).toBe(id);
      expect(event.result).toEqual({ doubled: 42 });
      expect(event.durationMs).toBeGreaterThanOrEqual(0);
      expect(events).toEqual(['added', 'started']);
      expect(await queue.getJob(id)).toBeNull();
    });

    it('retries with backoff, then fails for good and deletes the row', async () => {
      const { queue, registry } = setup({ maxRetries: 2 });
      let calls = 0;
      registry.register(
        't',
        async () => {
          calls++;
          throw new Error(`attempt ${calls} failed`);
        },
        { schema: payload },
      );
      const retrying: { attempt: number; nextRunAt: number }[] = [];
      queue.on('job:retrying', ({ attempt, nextRunAt }) => retrying.push({ attempt, nextRunAt }));
      const failed = new Promise<{ job: Job; error: Error; attempts: number; payload: unknown }>((r) => queue.once('job:failed', r));
      await queue.start();
      const id = await queue.addJob({ type: 't', payload: { n: 1 } });
      const event = await failed;
      expect(calls).toBe(3);
      expect(retrying.map((r) => r.attempt)).toEqual([1, 2]);
      expect(event).toMatchObject({ attempts: 3, payload: { n: 1 } });
      expect(event.error.message).toBe('attempt 3 failed');
      expect(await queue.getJob(id)).toBeNull();
    });

    it('UnrecoverableError skips the remaining retries', async () => {
      const { queue, registry } = setup({ maxRetries: 5 });
      let calls = 0;
      registry.register(
        't',
        async () => {
          calls++;
          throw new UnrecoverableError('bad input');
        },
        { schema: payload },
      );
      const failed = new Promise<{ attempts: number }>((r) => queue.once('job:failed', r));
      await queue.start();
      await queue.addJob({ type: 't', payload: { n: 1 } });
      expect((await failed).attempts).toBe(1);
      expect(calls).toBe(1);
    });

    it('retainFailed keeps a dead-letter that retryJob puts back', async () => {
      const { queue, registry } = setup({ maxRetries: 0, retainFailed: true });
      let fail = true;
      registry.register(
        't',
        async () => {
          if (fail) throw new Error('down');
        },
        { schema: payload },
      );
      const failed = new Promise((r) => queue.once('job:failed', r));
      await queue.start();
      const id = await queue.addJob({ type: 't', payload: { n: 1 } });
      await failed;
      expect(await queue.getJob(id)).toMatchObject({ state: 'failed', attempts: 1 });
      expect((await queue.getStats()).failed).toBe(1);
      fail = false;
      const completed = new Promise((r) => queue.once('job:completed', r));
      expect(await queue.retryJob(id)).toMatchObject({ state: 'pending', attempts: 0 });
      await completed;
      expect(await queue.getJob(id)).toBeNull();
      await expect(queue.retryJob(id)).rejects.toThrow(/No failed job/);
    });

    it('timeoutMs aborts the signal and fails the attempt', async () => {
      const { queue, registry } = setup({ maxRetries: 0 });
      let aborted: unknown = null;
      registry.register(
        't',
        (_job, ctx) =>
          new Promise((_resolve, reject) => {
            ctx.signal.addEventListener('abort', () => {
              aborted = ctx.signal.reason;
              reject(ctx.signal.reason);
            });
          }),
        { schema: payload },
      );
      const failed = new Promise<{ error: Error }>((r) => queue.once('job:failed', r));
      await queue.start();
      await queue.addJob({ type: 't', payload: { n: 1 }, timeoutMs: 50 });
      const { error } = await failed;
      expect(error).toBeInstanceOf(JobTimeoutError);
      expect(aborted).toBeInstanceOf(JobTimeoutError);
    });

    it('a handler that ignores its signal does not hold the worker past the timeout', async () => {
      const { queue, registry } = setup({ maxRetries: 0, concurrency: 1 });
      registry.register('hang', () => new Promise(() => {}), { schema: payload });
      registry.register('t', async () => 'ok', { schema: payload });
      const failed = new Promise((r) => queue.once('job:failed', r));
      const completed = new Promise((r) => queue.once('job:completed', r));
      await queue.start();
      await queue.addJob({ type: 'hang', payload: { n: 1 }, timeoutMs: 30 });
      await queue.addJob({ type: 't', payload: { n: 2 } });
      await failed;
      await completed;
    });

    it('cancelling a pending job deletes it; cancelling a running one aborts its signal', async () => {
      const { queue, registry } = setup({ concurrency: 1 });
      let started!: () => void;
      const isRunning = new Promise<void>((r) => (started = r));
      let sawAbort = false;
      registry.register(
        't',
        (_job, ctx) =>
          new Promise((_resolve, reject) => {
            started();
            ctx.signal.addEventListener('abort', () => {
              sawAbort = true;
              reject(ctx.signal.reason);
            });
          }),
        { schema: payload },
      );
      const running = await queue.addJob({ type: 't', payload: { n: 1 }, priority: 1 });
      const pending = await queue.addJob({ type: 't', payload: { n: 2 }, priority: 9 });
      const cancelled: string[] = [];
      queue.on('job:cancelled', ({ job }) => cancelled.push(job.id));
      await queue.start();
      await isRunning;
      expect(await queue.cancelJob(pending)).toBe('cancelled');
      expect(await queue.getJob(pending)).toBeNull();
      expect(await queue.cancelJob(running)).toBe('cancelling');
      await waitFor(() => cancelled.length === 2, 5_000, 'cancel events');
      expect(sawAbort).toBe(true);
      expect(await queue.getJob(running)).toBeNull();
      expect(await queue.cancelJob('123456')).toBe('not_found');
    });

    it('dedupeKey returns the existing id while the job is pending and emits nothing new', async () => {
      const { queue, registry } = setup();
      registry.register('t', async () => {}, { schema: payload });
      let added = 0;
      queue.on('job:added', () => added++);
      const a = await queue.addJob({ type: 't', payload: { n: 1 }, dedupeKey: 'movie-7' });
      const b = await queue.addJob({ type: 't', payload: { n: 2 }, dedupeKey: 'movie-7' });
      expect(b).toBe(a);
      expect(added).toBe(1);
      expect((await queue.getStats()).pending).toBe(1);
    });

    it('delayed jobs wait for their run time, then run without polling delays', async () => {
      const { queue, registry } = setup({ maxIdleMs: 60_000 });
      const ranAt: number[] = [];
      registry.register('t', async () => void ranAt.push(Date.now()), { schema: payload });
      await queue.start();
      await sleep(30); // let the workers fall asleep with a long idle cap
      const before = Date.now();
      await queue.addJob({ type: 't', payload: { n: 1 }, delayMs: 150 });
      expect((await queue.getStats()).delayed).toBe(1);
      await waitFor(() => ranAt.length === 1, 5_000, 'delayed job');
      expect(ranAt[0]! - before).toBeGreaterThanOrEqual(150);
    });

    it('ctx gives a child logger, progress and the queue for chaining', async () => {
      const { queue, registry } = setup();
      const progress: unknown[] = [];
      registry.register(
        'first',
        async (job, ctx) => {
          expect(ctx.logger.bindings()).toMatchObject({ jobId: job.id, type: 'first' });
          await ctx.progress({ step: 1 });
          await ctx.queue.addJob({ type: 'second', payload: { n: job.payload.n + 1 }, priority: JOB_PRIORITY.HIGH });
        },
        { schema: payload },
      );
      const second = new Promise<number>((resolve) =>
        registry.register('second', async (job) => resolve(job.payload.n), { schema: payload }),
      );
      queue.on('job:progress', ({ progress: p }) => progress.push(p));
      await queue.start();
      await queue.addJob({ type: 'first', payload: { n: 1 } });
      expect(await second).toBe(2);
      expect(progress).toEqual([{ step: 1 }]);
    });

    it('ctx.phases throws a clear error when the queue has no phase configuration', async () => {
      const { queue, registry } = setup({ maxRetries: 0 });
      registry.register('t', async (_job, ctx) => ctx.phases, { schema: payload });
      const failed = new Promise<{ error: Error }>((r) => queue.once('job:failed', r));
      await queue.start();
      await queue.addJob({ type: 't', payload: { n: 1 } });
      expect((await failed).error.message).toMatch(/PhaseConfigService/);
    });

    it('stop() waits for running handlers, then aborts and releases them without counting an attempt', async () => {
      const { queue, registry } = setup({ concurrency: 2 });
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const started: string[] = [];
      registry.register(
        'quick',
        async (job) => {
          started.push(job.id);
          await gate;
        },
        { schema: payload },
      );
      registry.register(
        'stuck',
        (job) => {
          started.push(job.id);
          return new Promise(() => {});
        },
        { schema: payload },
      );
      const quick = await queue.addJob({ type: 'quick', payload: { n: 1 } });
      const stuck = await queue.addJob({ type: 'stuck', payload: { n: 2 } });
      await queue.start();
      await waitFor(() => started.length === 2, 5_000, 'both jobs to start');
      setTimeout(release, 20);
      const t0 = Date.now();
      await queue.stop({ timeoutMs: 200 });
      expect(Date.now() - t0).toBeLessThan(5_000);
      // The quick job finished inside the timeout; the stuck one went back untouched.
      const stats = await queue.getStats();
      expect(stats.pending).toBe(1);
      expect(await queue.getJob(quick)).toBeNull();
      expect(await queue.getJob(stuck)).toMatchObject({ state: 'pending', attempts: 0 });
      await queue.stop(); // a second stop is harmless
      // start() after stop() works and picks the released job up again.
      registry.get('stuck');
      await queue.start();
      expect(queue.isRunning).toBe(true);
    });

    it('a queue that is never started is a producer only', async () => {
      const { queue, registry } = setup();
      let ran = false;
      registry.register('t', async () => void (ran = true), { schema: payload });
      await queue.addJob({ type: 't', payload: { n: 1 } });
      await sleep(50);
      expect(ran).toBe(false);
      expect((await queue.getStats()).pending).toBe(1);
    });
  });
}

describe('errors that say whether a retry can help', () => {
  it('an error with transient: false fails at once; transient: true and none are retried', async () => {
    const { queue, registry, dispose } = makeQueue(BACKENDS[0]!, { maxRetries: 2 });
    try {
      // What the media plugin's ProviderError carries for an HTTP 401: its own verdict.
      class HttpError extends Error {
        constructor(readonly transient: boolean | undefined) {
          super(`transient: ${String(transient)}`);
        }
      }
      const calls = new Map<number, number>();
      registry.register(
        't',
        async (job) => {
          calls.set(job.payload.n, (calls.get(job.payload.n) ?? 0) + 1);
          throw new HttpError(job.payload.n === 0 ? false : job.payload.n === 1 ? true : undefined);
        },
        { schema: payload },
      );
      const failures: { n: number; attempts: number }[] = [];
      queue.on('job:failed', ({ payload: p, attempts }) => failures.push({ n: (p as { n: number }).n, attempts }));
      await queue.start();
      await queue.addJobs([0, 1, 2].map((n) => ({ type: 't', payload: { n } })));
      await waitFor(() => failures.length === 3);
      expect(failures.sort((a, b) => a.n - b.n)).toEqual([
        { n: 0, attempts: 1 },
        { n: 1, attempts: 3 },
        { n: 2, attempts: 3 },
      ]);
      expect([...calls.entries()].sort()).toEqual([
        [0, 1],
        [1, 3],
        [2, 3],
      ]);
    } finally {
      await dispose();
    }
  });
});

describe('UnrecoverableError from another copy of phaseq', () => {
  it('is recognised by its code', async () => {
    const { queue, registry, dispose } = makeQueue(BACKENDS[0]!, { maxRetries: 5 });
    try {
      // What a plugin bundled with its own phaseq throws: same code, different class.
      class ForeignUnrecoverable extends Error {
        readonly code = 'UNRECOVERABLE';
      }
      registry.register(
        't',
        async () => {
          throw new ForeignUnrecoverable('gone');
        },
        { schema: payload },
      );
      const failed = new Promise<{ attempts: number }>((r) => queue.once('job:failed', r));
      await queue.start();
      await queue.addJob({ type: 't', payload: { n: 1 } });
      expect((await failed).attempts).toBe(1);
    } finally {
      await dispose();
    }
  });
});
