/**
 * Shutdown: stop() while 50 jobs run, with a 1 s timeout. It returns soon after the
 * timeout even though the handlers would run for a minute; the aborted jobs are back to
 * pending with no attempt counted; a second stop() is harmless; start() works again.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, SQLiteJobQueueStorage } from '../../src/index.js';
import { makeTempDir } from '../support/tmp.js';
import { reportFigures } from './support/figures.js';
import { until } from './support/wait.js';

const JOBS = 50;
const TIMEOUT_MS = 1_000;
/** How long each handler would run if nothing stopped it. */
const HANDLER_MS = 60_000;

describe('shutdown with 50 running jobs (SQLite)', () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());

  it('stop({ timeoutMs: 1000 }) aborts, releases without counting an attempt, and the queue starts again', async () => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    const registry = new HandlerRegistry();
    let mode: 'hang' | 'finish' = 'hang';
    let started = 0;
    let sawAbort = 0;
    const completed = new Set<string>();
    // Half the handlers listen to their signal, half ignore it: stop() must not wait for either.
    registry.register(
      'work',
      async (job, ctx) => {
        started++;
        if (mode === 'finish') return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, HANDLER_MS);
          if (job.payload.i % 2 === 0) {
            ctx.signal.addEventListener('abort', () => {
              sawAbort++;
              clearTimeout(timer);
              resolve();
            });
          }
        });
      },
      { schema: z.object({ i: z.number() }) },
    );
    const queue = new JobQueue({
      storage: new SQLiteJobQueueStorage({ filename: join(tmp.dir, 'jobs.db') }),
      registry,
      concurrency: JOBS,
      logger: pino({ level: 'silent' }),
    });
    queue.on('job:completed', ({ job }) => completed.add(job.id));
    const failedOrRetried: string[] = [];
    queue.on('job:failed', ({ job }) => failedOrRetried.push(job.id));
    queue.on('job:retrying', ({ job }) => failedOrRetried.push(job.id));
    const ids = await queue.addJobs(Array.from({ length: JOBS }, (_, i) => ({ type: 'work', payload: { i } })));
    await queue.start();
    await until(() => started === JOBS, { everyMs: 10, what: 'all 50 handlers to start' });
    expect((await queue.getStats()).processing).toBe(JOBS);

    const t = performance.now();
    const first = queue.stop({ timeoutMs: TIMEOUT_MS });
    const second = queue.stop({ timeoutMs: TIMEOUT_MS });
    await Promise.all([first, second]);
    const stopMs = performance.now() - t;
    // It did not wait for the handlers (they would run for a minute) ...
    expect(stopMs).toBeLessThan(HANDLER_MS / 2);
    expect(queue.isRunning).toBe(false);
    // ... a third stop() on a stopped queue does nothing ...
    await queue.stop({ timeoutMs: TIMEOUT_MS });
    // ... every job is pending again, with no attempt counted, and none completed or failed.
    const jobs = await Promise.all(ids.map((id) => queue.getJob(id)));
    expect(jobs.map((j) => j?.state)).toEqual(ids.map(() => 'pending'));
    expect(jobs.map((j) => j?.attempts)).toEqual(ids.map(() => 0));
    expect(jobs.every((j) => j?.lockedBy === null)).toBe(true);
    expect(completed.size).toBe(0);
    expect(failedOrRetried).toEqual([]);
    expect(sawAbort).toBe(JOBS / 2);

    // start() after stop() works: the same queue runs every job to completion.
    mode = 'finish';
    await queue.start();
    await until(() => completed.size === JOBS, { what: 'the restarted queue to finish every job' });
    expect([...completed].sort()).toEqual([...ids].sort());
    expect(await queue.getStats()).toMatchObject({ pending: 0, processing: 0, failed: 0 });
    const restartStop = performance.now();
    await queue.stop({ timeoutMs: TIMEOUT_MS });
    reportFigures('5-shutdown', 'Shutdown: stop({ timeoutMs: 1000 }) with 50 running jobs', {
      'running jobs at stop()': JOBS,
      'stop timeout (ms)': TIMEOUT_MS,
      'stop() returned after (ms)': Math.round(stopMs),
      'jobs back to pending, attempts 0': jobs.filter((j) => j?.state === 'pending' && j.attempts === 0).length,
      'stop() of an idle queue (ms)': Math.round(performance.now() - restartStop),
    });
  });
});
