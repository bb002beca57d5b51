/**
 * Storage faults on SQLite: a corrupted header, a replaced file, a missing directory, a
 * read-only connection under running workers, a full disk, the open file deleted or
 * replaced under a running queue. Each must give a clear StorageError from
 * start()/addJob, never crash or spin, lose no stored job, and let work resume once the
 * fault is gone.
 */
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
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

/** Moves a database file with its -wal and -shm files (the way to take it away and put it back whole). */
function moveDatabase(from: string, to: string): void {
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(from + suffix)) renameSync(from + suffix, to + suffix);
}

/**
 * Adds one job after another until one is refused, and returns the refusal. Adds made
 * before the fault was noticed are accepted (into the file moved away) and counted in
 * `accepted`: they must not be lost either. They are due later, so that none is running
 * when the fault is noticed (its completion would fail and it would run again).
 */
async function addUntilRefused(queue: JobQueue, from: number, accepted: number[]): Promise<unknown> {
  for (let i = from; i < from + 1_000; i++) {
    const refused = await queue.addJob({ type: 'work', payload: { i }, delayMs: 500 }).then(
      () => void accepted.push(i),
      (e: unknown) => e,
    );
    if (refused) return refused;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('the lost database file was never noticed');
}

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

  /**
   * A started queue with 10 jobs run and 20 more stored (due in 500 ms), whose worker
   * errors are recorded. The test then takes its file away.
   */
  /** A running queue on `jobs.db` in `dir`: 10 jobs ran, 20 more wait (due in 500 ms). */
  async function runningQueue(dir = tmp()) {
    const file = join(dir, 'jobs.db');
    const ran = new Map<number, number>();
    const queue = makeQueue(new SQLiteJobQueueStorage({ filename: file }), ran, { concurrency: 3, maxIdleMs: 200 });
    const errors: Error[] = [];
    queue.on('worker:error', ({ error }) => errors.push(error));
    await queue.start();
    await queue.addJobs(jobs(10));
    await until(() => ran.size === 10, { what: 'the first 10 jobs to run' });
    await until(async () => (await queue.getStats()).processing === 0, { what: 'the first rows to be deleted' });
    await queue.addJobs(jobs(20, 10).map((j) => ({ ...j, delayMs: 500 })));
    return { dir, file, ran, queue, errors };
  }

  /**
   * Takes the database file away (`move`), then adds jobs until the queue notices: the
   * refusal, the adds accepted before it (into the file taken away), how long it took.
   */
  async function loseFile(queue: JobQueue, move: () => void): Promise<{ refused: unknown; accepted: number[]; noticedMs: number }> {
    move();
    const t0 = performance.now();
    const accepted: number[] = [];
    const refused = await addUntilRefused(queue, 1_000, accepted);
    return { refused, accepted, noticedMs: performance.now() - t0 };
  }

  /** Waits until `n` distinct jobs ran, each exactly once, checks the queue is empty, stops it. */
  async function finish(queue: JobQueue, ran: Map<number, number>, n: number): Promise<void> {
    await until(() => ran.size === n, { what: `all ${n} jobs to run once the file is back` });
    expect([...ran.values()].every((c) => c === 1)).toBe(true);
    await until(async () => (await queue.getStats()).processing === 0, { what: 'the last rows to be deleted' });
    expect(await queue.getStats()).toMatchObject({ pending: 0, delayed: 0, processing: 0, failed: 0 });
    await queue.stop();
  }

  it('the database file moved away under a running queue: clear errors, no crash loop, nothing lost when it is back', async () => {
    const { dir, file, ran, queue, errors } = await runningQueue();
    const { refused, accepted, noticedMs } = await loseFile(queue, () => moveDatabase(file, join(dir, 'away.db')));
    expect(refused).toBeInstanceOf(StorageError);
    expect(refused).toMatchObject({ code: 'STORAGE_ERROR', reason: 'DATABASE_FILE_DELETED' });
    expect((refused as Error).message).toContain(`"${file}" was deleted or moved away`);
    // Reads fail the same way: the queue does not show the moved file's jobs as if all were well.
    await expect(queue.getStats()).rejects.toMatchObject({ reason: 'DATABASE_FILE_DELETED' });

    // The stored jobs fall due while the file is away: the workers report, back off, run nothing.
    const faultStart = performance.now();
    await new Promise((r) => setTimeout(r, 1_000));
    const faultMs = performance.now() - faultStart;
    expect(ran.size).toBe(10);
    expect(queue.isRunning).toBe(true);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e instanceof StorageError && e.message.includes(file))).toBe(true);
    // 3 workers backing off to maxIdleMs (200 ms) make a few dozen attempts in 1 s, not thousands.
    expect(errors.length).toBeLessThan(100);
    const errorsDuringFault = errors.length;

    moveDatabase(join(dir, 'away.db'), file);
    const back = performance.now();
    await until(() => ran.size === 30 + accepted.length, { what: 'the stored jobs to run once the file is back', everyMs: 5 });
    const resumedMs = performance.now() - back;
    await queue.addJob({ type: 'work', payload: { i: 2_000 } });
    await finish(queue, ran, 31 + accepted.length);
    reportFigures('3-storage-file-deleted', 'Storage fault: database file moved away under 3 running workers, then back', {
      'noticed after (ms)': Math.round(noticedMs),
      'adds accepted before it was noticed (kept in the moved file; they ran)': accepted.length,
      'fault duration after notice (ms)': Math.round(faultMs),
      'worker:error events during the fault': errorsDuringFault,
      'stored jobs running again after the file was back (ms)': Math.round(resumedMs),
      'jobs lost': 31 + accepted.length - ran.size,
    });
  });

  it("the database file replaced by another queue's database: refused, never used, the original resumes when put back", async () => {
    const dir = tmp();
    const other = join(dir, 'other.db');
    const otherQueue = makeQueue(new SQLiteJobQueueStorage({ filename: other }), new Map());
    await otherQueue.addJobs(jobs(5, 500));
    await otherQueue.stop();
    const { file, ran, queue } = await runningQueue(dir);

    // One synchronous step: no look at the path can fall between the two moves.
    const { refused, accepted } = await loseFile(queue, () => {
      moveDatabase(file, join(dir, 'away.db'));
      renameSync(other, file);
    });
    expect(refused).toBeInstanceOf(StorageError);
    expect(refused).toMatchObject({ reason: 'DATABASE_FILE_REPLACED' });
    expect((refused as Error).message).toContain(`"${file}" was replaced by another file`);
    // Still refused after many looks: the other database is never adopted.
    await new Promise((r) => setTimeout(r, 700));
    await expect(queue.addJob({ type: 'work', payload: { i: 2_000 } })).rejects.toMatchObject({
      reason: 'DATABASE_FILE_REPLACED',
    });
    expect(ran.size).toBe(10);

    renameSync(file, other);
    moveDatabase(join(dir, 'away.db'), file);
    await finish(queue, ran, 30 + accepted.length);
    // The other queue's file was not written: its own 5 jobs and nothing else.
    const otherDb = new Database(other, { readonly: true });
    dbs.push(otherDb);
    expect(otherDb.prepare('SELECT COUNT(*) AS n FROM jobs').get()).toEqual({ n: 5 });
  });

  it('the database file deleted, then restored from a copy: the copy is opened and its jobs run', async () => {
    const { dir, file, ran, queue, errors } = await runningQueue();
    const { refused, accepted } = await loseFile(queue, () => moveDatabase(file, join(dir, 'away.db')));
    expect(refused).toMatchObject({ reason: 'DATABASE_FILE_DELETED' });
    // Deleted and nothing put back: it keeps failing, and no new empty file appears.
    await new Promise((r) => setTimeout(r, 300));
    await expect(queue.addJob({ type: 'work', payload: { i: 2_000 } })).rejects.toMatchObject({
      reason: 'DATABASE_FILE_DELETED',
    });
    expect(existsSync(file)).toBe(false);

    // A backup: copies of the file and its log (new files, not the ones the queue opened).
    copyFileSync(join(dir, 'away.db-wal'), `${file}-wal`);
    copyFileSync(join(dir, 'away.db'), file);
    await finish(queue, ran, 30 + accepted.length);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('a new file beside the -wal of the deleted one is not opened (SQLite would pair them); the original resumes', async () => {
    const { dir, file, ran, queue } = await runningQueue();
    // Only the main file moves: its -wal and -shm stay at the path.
    const { refused: lost, accepted } = await loseFile(queue, () => renameSync(file, join(dir, 'away.db')));
    expect(lost).toMatchObject({ reason: 'DATABASE_FILE_DELETED' });
    copyFileSync(join(dir, 'away.db'), file);
    await new Promise((r) => setTimeout(r, 300));
    const refused = await queue.addJob({ type: 'work', payload: { i: 2_000 } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StorageError);
    expect((refused as Error).message).toContain(`"${file}-wal"`);

    rmSync(file);
    renameSync(join(dir, 'away.db'), file);
    await finish(queue, ran, 30 + accepted.length);
  });

  it('a host-opened database moved away: refused until it is back (phaseq never reopens a host connection)', async () => {
    const dir = tmp();
    const file = join(dir, 'jobs.db');
    const db = new Database(file);
    dbs.push(db);
    const ran = new Map<number, number>();
    const queue = makeQueue(new SQLiteJobQueueStorage({ database: db }), ran);
    await queue.addJobs(jobs(10));

    const { refused: lost, accepted } = await loseFile(queue, () => moveDatabase(file, join(dir, 'away.db')));
    expect(lost).toMatchObject({ reason: 'DATABASE_FILE_DELETED' });
    copyFileSync(join(dir, 'away.db'), file);
    await new Promise((r) => setTimeout(r, 200));
    const refused = await queue.addJob({ type: 'work', payload: { i: 2_000 } }).catch((e: unknown) => e);
    expect((refused as Error).message).toContain('does not reopen a connection the host opened');

    rmSync(file);
    moveDatabase(join(dir, 'away.db'), file);
    await drain(queue, ran, 10 + accepted.length);
  });

  it('a queue stopped and started again after losing its file does not create a new, empty one', async () => {
    const { dir, file, ran, queue } = await runningQueue();
    const { refused, accepted } = await loseFile(queue, () => moveDatabase(file, join(dir, 'away.db')));
    expect(refused).toMatchObject({ reason: 'DATABASE_FILE_DELETED' });
    await queue.stop();
    const restart = await queue.start().catch((e: unknown) => e);
    expect(restart).toBeInstanceOf(StorageError);
    expect((restart as Error).message).toMatch(/Cannot open SQLite database .*jobs\.db/);
    expect(existsSync(file)).toBe(false);

    moveDatabase(join(dir, 'away.db'), file);
    await queue.start();
    await finish(queue, ran, 30 + accepted.length);
  });
});
