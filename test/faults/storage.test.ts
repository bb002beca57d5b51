/**
 * Storage faults on SQLite: a corrupted header, a replaced file, a missing directory, a
 * read-only connection under running workers, a full disk. Each must give a clear
 * StorageError from start()/addJob, never crash or spin, lose no stored job, and let work
 * resume once the fault is gone.
 */
import { mkdirSync, openSync, readSync, renameSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, SQLiteJobQueueStorage, StorageError, type JobQueueOptions } from '../../src/index.js';
import { makeTempDir } from '../support/tmp.js';
import { reportFigures } from './support/figures.js';
import { until } from './support/wait.js';

const schema = z.object({ i: z.number(), pad: z.string().optional() });

function makeQueue(storage: SQLiteJobQueueStorage, ran: Map<number, number>, options: Partial<JobQueueOptions> = {}): JobQueue {
  const registry = new HandlerRegistry();
  registry.register('work', async (job) => void ran.set(job.payload.i, (ran.get(job.payload.i) ?? 0) + 1), { schema });
  return new JobQueue({ storage, registry, logger: pino({ level: 'silent' }), ...options });
}

const jobs = (n: number, from = 0) => Array.from({ length: n }, (_, k) => ({ type: 'work', payload: { i: from + k } }));

/** Runs `queue` until `n` distinct jobs ran, then stops it; every job must have run once. */
async function drain(queue: JobQueue, ran: Map<number, number>, n: number): Promise<void> {
  await queue.start();
  await until(() => ran.size === n, { what: `${n} jobs to run` });
  await until(async () => (await queue.getStats()).processing === 0, { what: 'the last rows to be deleted' });
  expect([...ran.values()].every((c) => c === 1)).toBe(true);
  expect(await queue.getStats()).toMatchObject({ pending: 0, processing: 0, failed: 0 });
  await queue.stop();
}

describe('storage faults (SQLite)', () => {
  const dbs: Database.Database[] = [];
  let cleanup = (): void => {};
  afterEach(() => {
    for (const db of dbs.splice(0)) if (db.open) db.close();
    cleanup();
  });
  function tmp(): string {
    const t = makeTempDir();
    cleanup = t.cleanup;
    return t.dir;
  }

  it('a corrupted header: start() and addJob reject with a StorageError; restored, no job is lost', async () => {
    const file = join(tmp(), 'jobs.db');
    const ran = new Map<number, number>();
    const producer = makeQueue(new SQLiteJobQueueStorage({ filename: file }), ran);
    await producer.addJobs(jobs(100));
    await producer.stop();
    const header = Buffer.alloc(100);
    let fd = openSync(file, 'r+');
    readSync(fd, header, 0, 100, 0);
    writeSync(fd, Buffer.alloc(100, 0x5a), 0, 100, 0);
    closeSync(fd);

    const broken = makeQueue(new SQLiteJobQueueStorage({ filename: file }), ran);
    // Each call fails the same way: no half-started queue, no retry loop behind it.
    for (let k = 0; k < 3; k++) {
      const error = await broken.start().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toMatch(/jobs\.db.*not a database/);
      expect(broken.isRunning).toBe(false);
    }
    await expect(broken.addJob({ type: 'work', payload: { i: 999 } })).rejects.toBeInstanceOf(StorageError);

    fd = openSync(file, 'r+');
    writeSync(fd, header, 0, 100, 0);
    closeSync(fd);
    // The same queue object works once the fault is gone.
    expect((await broken.getStats()).pending).toBe(100);
    await drain(broken, ran, 100);
  });

  it('a file replaced by a non-database or a missing directory: a clear error; put back, work resumes', async () => {
    const dir = tmp();
    const data = join(dir, 'data');
    mkdirSync(data);
    const file = join(data, 'jobs.db');
    const ran = new Map<number, number>();
    const producer = makeQueue(new SQLiteJobQueueStorage({ filename: file }), ran);
    await producer.addJobs(jobs(20));
    await producer.stop();

    renameSync(file, join(dir, 'saved.db'));
    writeFileSync(file, 'this is a text file, not a database\n'.repeat(200));
    const queue = makeQueue(new SQLiteJobQueueStorage({ filename: file }), ran);
    const replaced = await queue.start().catch((e: unknown) => e);
    expect(replaced).toBeInstanceOf(StorageError);
    expect((replaced as Error).message).toContain('not a database');

    rmSync(data, { recursive: true });
    const missing = await queue.addJob({ type: 'work', payload: { i: 999 } }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(StorageError);
    expect((missing as Error).message).toMatch(/Cannot open SQLite database .*jobs\.db/);

    mkdirSync(data);
    renameSync(join(dir, 'saved.db'), file);
    expect((await queue.getStats()).pending).toBe(20);
    await drain(queue, ran, 20);
  });

  it('a read-only database: start() rejects whole and can be retried once writes work again', async () => {
    const file = join(tmp(), 'jobs.db');
    const db = new Database(file);
    dbs.push(db);
    const ran = new Map<number, number>();
    const queue = makeQueue(new SQLiteJobQueueStorage({ database: db }), ran);
    await queue.addJobs(jobs(10));
    db.pragma('query_only = ON');
    const error = await queue.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toContain('readonly');
    expect(queue.isRunning).toBe(false);
    db.pragma('query_only = OFF');
    await drain(queue, ran, 10);
  });

  it('a read-only connection under running workers: worker:error with growing intervals, addJob rejects, work resumes', async () => {
    const file = join(tmp(), 'jobs.db');
    const db = new Database(file);
    dbs.push(db);
    const ran = new Map<number, number>();
    const queue = makeQueue(new SQLiteJobQueueStorage({ database: db }), ran, { concurrency: 3, maxIdleMs: 1_000 });
    const errors: { at: number; workerId: string | null; message: string }[] = [];
    queue.on('worker:error', ({ error, workerId }) => errors.push({ at: performance.now(), workerId, message: error.message }));
    // Stored before the fault, due just after the workers are running on a read-only file.
    await queue.addJobs(jobs(50).map((j) => ({ ...j, delayMs: 300 })));
    await queue.start();
    db.pragma('query_only = ON');
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 3_000));
    const windowMs = performance.now() - t0;
    const add = await queue.addJob({ type: 'work', payload: { i: 50 } }).catch((e: unknown) => e);
    expect(add).toBeInstanceOf(StorageError);
    expect((add as Error).message).toContain('readonly');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.message.includes('readonly'))).toBe(true);
    // Backing off, not spinning: 3 workers doubling from 10 ms to 1 s make a few dozen
    // attempts in 3 s; a tight loop would make thousands.
    expect(errors.length).toBeLessThan(150);
    expect(ran.size).toBe(0);
    const first = errors.find((e) => e.workerId !== null)!.workerId;
    const gaps = errors
      .filter((e) => e.workerId === first)
      .map((e, k, all) => (k === 0 ? 0 : Math.round(e.at - all[k - 1]!.at)))
      .slice(1);

    db.pragma('query_only = OFF');
    await queue.addJob({ type: 'work', payload: { i: 50 } });
    await until(() => ran.size === 51, { what: 'the 51 jobs to run once the fault is gone' });
    expect([...ran.values()].every((c) => c === 1)).toBe(true);
    await until(async () => (await queue.getStats()).processing === 0, { what: 'the last rows to be deleted' });
    expect(await queue.getStats()).toMatchObject({ pending: 0, processing: 0, failed: 0 });
    await queue.stop();
    reportFigures('3-storage-readonly', 'Storage fault: read-only database under 3 running workers', {
      'fault duration (ms)': Math.round(windowMs),
      'worker:error events (all workers and timers)': errors.length,
      "intervals between one worker's errors (ms)": gaps.join(', '),
      'jobs lost': 51 - ran.size,
    });
  });

  it('a full disk (max_page_count): addJob rejects with a StorageError, nothing half-stored, work resumes', async () => {
    const file = join(tmp(), 'jobs.db');
    const db = new Database(file);
    dbs.push(db);
    const ran = new Map<number, number>();
    const queue = makeQueue(new SQLiteJobQueueStorage({ database: db }), ran);
    await queue.addJobs(jobs(10));
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 20}`);
    const pad = 'x'.repeat(4_000);
    let stored = 10;
    let full: unknown = null;
    while (!full && stored < 10_000) {
      full = await queue
        .addJobs(Array.from({ length: 5 }, (_, k) => ({ type: 'work', payload: { i: stored + k, pad } })))
        .then(() => void (stored += 5))
        .catch((e: unknown) => e);
    }
    expect(full).toBeInstanceOf(StorageError);
    expect((full as Error).message).toMatch(/full/i);
    // The failed batch was rolled back as a whole: exactly the successful adds are stored.
    expect((await queue.getStats()).pending).toBe(stored);

    db.pragma('max_page_count = 1073741823');
    await queue.addJob({ type: 'work', payload: { i: stored } });
    await drain(queue, ran, stored + 1);
  });
});
