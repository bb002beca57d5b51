/**
 * Handler faults: handlers that throw non-Error values, never settle, block the event
 * loop, reject after their signal was aborted, or enqueue 10,000 children. Each must end
 * in exactly one recorded outcome, and leave the worker free for the next job.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, JobTimeoutError, SQLiteJobQueueStorage } from '../../src/index.js';
import { makeTempDir, sleep, waitFor } from '../support/tmp.js';
import { reportFigures } from './support/figures.js';
import { until } from './support/wait.js';
import { killAll, spawnFixture, type Child } from './support/processes.js';

const schema = z.object({ i: z.number() });

function sqliteQueue(dir: string, options: Partial<ConstructorParameters<typeof JobQueue>[0]> = {}) {
  const registry = options.registry ?? new HandlerRegistry();
  const queue = new JobQueue({
    storage: new SQLiteJobQueueStorage({ filename: join(dir, 'jobs.db') }),
    registry,
    logger: pino({ level: 'silent' }),
    backoff: { type: 'fixed', delayMs: 10 },
    ...options,
  });
  return { queue, registry };
}

describe('handler faults (SQLite)', () => {
  const children: Child[] = [];
  const queues: JobQueue[] = [];
  let cleanup = (): void => {};
  afterEach(async () => {
    killAll(children);
    for (const q of queues.splice(0)) await q.stop({ timeoutMs: 500 });
    cleanup();
  });
  function tmp(): string {
    const t = makeTempDir();
    cleanup = t.cleanup;
    return t.dir;
  }

  it('a handler throwing non-Error values fails the attempt with a readable Error', async () => {
    const { queue, registry } = sqliteQueue(tmp(), { maxRetries: 0 });
    queues.push(queue);
    const thrown: unknown[] = ['a plain string', 42, { code: 'E_ODD', detail: [1, 2] }, null, undefined, Symbol('s'), 10n];
    registry.register(
      'throws',
      (job) => {
        throw thrown[job.payload.i];
      },
      { schema },
    );
    const failed = new Map<number, { error: Error; attempts: number }>();
    queue.on('job:failed', ({ job, error, attempts }) => failed.set((job.payload as { i: number }).i, { error, attempts }));
    await queue.addJobs(thrown.map((_, i) => ({ type: 'throws', payload: { i } })));
    await queue.start();
    await waitFor(() => failed.size === thrown.length, 10_000, 'every job to fail');
    for (const { error, attempts } of failed.values()) {
      expect(error).toBeInstanceOf(Error);
      expect(error.message.length).toBeGreaterThan(0);
      expect(attempts).toBe(1);
    }
    expect(failed.get(0)!.error.message).toBe('a plain string');
    expect(failed.get(1)!.error.message).toContain('42');
    expect(failed.get(2)!.error.message).toContain('E_ODD');
    expect(await queue.getStats()).toMatchObject({ pending: 0, processing: 0, failed: 0 });
  });

  it('a handler that never settles is aborted by timeoutMs, the attempt fails and the worker is free', async () => {
    const { queue, registry } = sqliteQueue(tmp(), { concurrency: 1, maxRetries: 1 });
    queues.push(queue);
    let hangs = 0;
    registry.register(
      'hang',
      () => {
        hangs++;
        return new Promise(() => {});
      },
      { schema, timeoutMs: 150 },
    );
    const ran: number[] = [];
    registry.register('ok', async (job) => void ran.push(job.payload.i), { schema });
    const retrying: Error[] = [];
    const failed: Error[] = [];
    queue.on('job:retrying', ({ error }) => retrying.push(error));
    queue.on('job:failed', ({ error }) => failed.push(error));
    const id = await queue.addJob({ type: 'hang', payload: { i: 0 } });
    await queue.addJob({ type: 'ok', payload: { i: 1 }, delayMs: 50 });
    await queue.start();
    await waitFor(() => failed.length === 1 && ran.length === 1, 10_000, 'the timeout to fail the job and the next job to run');
    expect(hangs).toBe(2);
    expect(retrying).toHaveLength(1);
    expect(retrying[0]).toBeInstanceOf(JobTimeoutError);
    expect(failed[0]).toBeInstanceOf(JobTimeoutError);
    expect(ran).toEqual([1]);
    expect(await queue.getJob(id)).toBeNull();
  });

  it('a handler that rejects (or resolves) after its signal was aborted records one outcome only', async () => {
    const { queue, registry } = sqliteQueue(tmp(), { maxRetries: 0 });
    queues.push(queue);
    let settledLate = 0;
    registry.register(
      'late',
      async (job, ctx) => {
        await sleep(300);
        settledLate++;
        expect(ctx.signal.aborted).toBe(true);
        if (job.payload.i === 0) throw new Error('rejected after the abort');
        return 'resolved after the abort';
      },
      { schema, timeoutMs: 50 },
    );
    const outcomes: string[] = [];
    queue.on('job:failed', ({ job, error }) => outcomes.push(`failed ${job.id} ${error.name}`));
    queue.on('job:completed', ({ job }) => outcomes.push(`completed ${job.id}`));
    queue.on('job:retrying', ({ job }) => outcomes.push(`retrying ${job.id}`));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const [a, b] = await queue.addJobs([
        { type: 'late', payload: { i: 0 } },
        { type: 'late', payload: { i: 1 } },
      ]);
      await queue.start();
      await waitFor(() => settledLate === 2, 10_000, 'both handlers to settle late');
      await sleep(200);
      expect(outcomes.sort()).toEqual([`failed ${a} JobTimeoutError`, `failed ${b} JobTimeoutError`].sort());
      expect(unhandled).toEqual([]);
      expect(await queue.getStats()).toMatchObject({ pending: 0, processing: 0 });
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a handler that enqueues 10,000 children in a loop: all stored, each run once', async () => {
    const { queue, registry } = sqliteQueue(tmp(), { concurrency: 4 });
    queues.push(queue);
    const CHILDREN = 10_000;
    const ran = new Uint8Array(CHILDREN);
    let enqueueMs = 0;
    registry.register(
      'parent',
      async (_job, ctx) => {
        const t = performance.now();
        for (let i = 0; i < CHILDREN; i++) await ctx.queue.addJob({ type: 'child', payload: { i } });
        enqueueMs = performance.now() - t;
      },
      { schema },
    );
    registry.register('child', async (job) => void ran[job.payload.i]!++, { schema });
    let parentDone = 0;
    let childrenDone = 0;
    queue.on('job:completed', ({ job }) => void (job.type === 'parent' ? parentDone++ : childrenDone++));
    const began = performance.now();
    await queue.start();
    await queue.addJob({ type: 'parent', payload: { i: -1 } });
    await until(() => parentDone === 1 && childrenDone === CHILDREN, { timeoutMs: 120_000, everyMs: 20, what: 'the children to run' });
    const totalMs = performance.now() - began;
    expect(parentDone).toBe(1);
    expect(ran.every((n) => n === 1)).toBe(true);
    expect(await queue.getStats()).toMatchObject({ pending: 0, processing: 0, delayed: 0, failed: 0 });
    reportFigures('4-children', 'Handler enqueues 10,000 children (SQLite, concurrency 4)', {
      children: CHILDREN,
      'enqueue loop (ms)': Math.round(enqueueMs),
      'enqueue rate (jobs/s)': Math.round(CHILDREN / (enqueueMs / 1000)),
      'until all children ran (ms)': Math.round(totalMs),
    });
  });

  it('a handler blocking its event loop for 2 s loses no lease: no job is stalled or run twice', async () => {
    const dir = tmp();
    const db = join(dir, 'jobs.db');
    const journal = join(dir, 'journal.log');
    const { queue: observer, registry } = sqliteQueue(dir, { leaseMs: 4_000, stalledCheckMs: 50, concurrency: 2 });
    queues.push(observer);
    // The observer can run the same types: if a lease were lost it would run them too.
    const stolen: string[] = [];
    registry.register('block', async (job) => void stolen.push(job.id), { schema });
    registry.register('slow', async (job) => void stolen.push(job.id), { schema });
    const stalled: string[] = [];
    observer.on('job:stalled', ({ job }) => stalled.push(job.id));
    // Jobs are claimed by the blocking process before the observer starts.
    const ids = await observer.addJobs([{ type: 'block', payload: { i: 0 } }, ...[1, 2, 3].map((i) => ({ type: 'slow', payload: { i } }))]);
    // Lease 4 s, heartbeat every ~1.3 s: the lease outlives a 2 s block wherever it falls.
    const worker = await spawnFixture('blocking-worker.ts', [db, journal, '4', '4000', '2000', '6000']);
    children.push(worker);
    await waitFor(
      () => existsSync(journal) && readFileSync(journal, 'utf8').split('\n').filter(Boolean).length === 4,
      20_000,
      'the worker to start all four jobs',
    );
    await observer.start();
    await waitFor(() => ids.every((id) => worker.lines.includes(`done ${id}`)), 30_000, 'the worker to finish every job');
    expect(stalled).toEqual([]);
    expect(stolen).toEqual([]);
    const runs = readFileSync(journal, 'utf8').split('\n').filter(Boolean);
    expect(runs.sort()).toEqual([`block ${ids[0]}`, ...ids.slice(1).map((id) => `slow ${id}`)].sort());
    await waitFor(async () => (await observer.getStats()).processing === 0, 5_000, 'the rows to be deleted');
    expect(await observer.getStats()).toMatchObject({ pending: 0, processing: 0, failed: 0 });
  });
});
