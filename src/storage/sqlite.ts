/**
 * SQLiteJobQueueStorage: the embedded default. One file, no server (better-sqlite3).
 *
 * - WAL journal, synchronous=NORMAL, busy_timeout: readers never block the writer, and a
 *   commit costs no fsync (a power cut can lose the last commits, never corrupt the file).
 * - Every write is one IMMEDIATE transaction (or one INSERT statement, which takes the
 *   write lock before it reads), so a read-then-write never has to upgrade its lock (the
 *   upgrade is what fails with SQLITE_BUSY under contention in WAL mode).
 * - A claim is one `UPDATE ... RETURNING` over the `jobs_ready` index: atomic across every
 *   process sharing the file.
 * - `watch` is woken by a file-system watch on the WAL file and confirms with
 *   `PRAGMA data_version`, which changes only when another connection commits; where
 *   the file watch is unavailable it polls that pragma (it reads no table).
 * - A database file deleted, moved away or replaced under the open connection is noticed
 *   on the watch's ticks and on `add` (see SqliteFileGuard); every operation then fails
 *   with a StorageError until the file is back, instead of writing where no other
 *   process looks.
 */
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { openSqlite, type SqliteSource } from '../db/connection.js';
import { startCheckpointer, type Checkpointer } from './sqliteCheckpointer.js';
import { PhaseqError, StorageError, ValidationError } from '../errors.js';
import { migrate } from '../db/migrate.js';
import type { IScheduleStore } from '../scheduler/ScheduleStore.js';
import { SQLiteScheduleStore } from '../scheduler/SQLiteScheduleStore.js';
import { MAX_PRIORITY, MIN_PRIORITY, type Job, type QueueStats } from '../types.js';
import { rowToJob, type JobRow } from './rows.js';
import { claimRows, deleteLeased, insertRun, prepare, toRowId, type Statements } from './sqliteStatements.js';
import { SqliteFileGuard } from './sqliteFileGuard.js';
import type {
  AddedJob,
  CancelOutcome,
  ClaimRequest,
  FailOutcome,
  IJobQueueStorage,
  JobListQuery,
  LeaseReport,
  LeaseRef,
  NewJob,
  StallPolicy,
  StallReport,
} from './types.js';

/** Options of {@link SQLiteJobQueueStorage}: a file to open, or a database the host opened. */
export type SQLiteJobQueueStorageOptions = SqliteSource & {
  /**
   * Workers a queue starts on this storage by default.
   * @default 3
   */
  defaultConcurrency?: number;
  /**
   * Copy the WAL back into the database file from a worker thread, so that a commit on
   * the event loop never waits for that copy and its fsync (see `sqliteCheckpointer.ts`).
   * Applies to a database this storage opens by `filename`; with `false`, or for a
   * database the host opened, SQLite checkpoints inside the commit as usual.
   * @default true
   */
  backgroundCheckpoints?: boolean;
};

/** The main connection's automatic-checkpoint threshold (pages) while a thread checkpoints: a backstop only. */
const BACKSTOP_AUTOCHECKPOINT = 10_000;
/** SQLite's own default threshold, restored if the checkpoint thread fails. */
const DEFAULT_AUTOCHECKPOINT = 1_000;

type Transaction = ((fn: () => unknown) => unknown) & { immediate: (fn: () => unknown) => unknown };
type Opened = { db: SqliteDatabase; owned: boolean; stmts: Statements; tx: Transaction; guard: SqliteFileGuard | null };

const BUSY_RETRIES = 8;
/** Poll period behind the WAL file watch (which normally reports a commit at once). */
const SAFETY_POLL_MS = 100;

function isBusy(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string' &&
    (error.code.startsWith('SQLITE_BUSY') || error.code.startsWith('SQLITE_LOCKED'))
  );
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The SQLite storage backend.
 *
 * @example
 * ```ts
 * const storage = new SQLiteJobQueueStorage({ filename: './data/phaseq.db' });
 * const queue = new JobQueue({ storage, registry });
 * ```
 */
export class SQLiteJobQueueStorage implements IJobQueueStorage {
  readonly name = 'sqlite';
  readonly defaultConcurrency: number;
  readonly #options: SQLiteJobQueueStorageOptions;
  #db: SqliteDatabase | null = null;
  #stmts: Statements | null = null;
  #checkpointer: Checkpointer | null = null;
  /** One transaction wrapper for every write: building one per call costs more than the commit of a small batch. */
  #tx: Transaction | null = null;
  /** Whether the file under the connection is still at its path; null in memory. */
  #guard: SqliteFileGuard | null = null;
  /** The statements while the file is lost (#stmts is then null, so every operation fails). */
  #parked: Statements | null = null;
  /** Bumped when the file comes back or a restored one is opened: a watch re-arms and wakes workers. */
  #generation = 0;
  /** This storage once lost its file: from then on it opens only an existing file, never a new empty one. */
  #lostFile = false;

  constructor(options: SQLiteJobQueueStorageOptions) {
    if (!options || (options.filename === undefined && options.database === undefined)) {
      throw new ValidationError('SQLiteJobQueueStorage needs { filename } or { database }', [
        { path: 'filename', message: 'required when no database is given' },
      ]);
    }
    this.#options = options;
    this.defaultConcurrency = options.defaultConcurrency ?? 3;
  }

  /** The open database (after `init`), for hosts that share it with their own tables. */
  get database(): SqliteDatabase {
    if (!this.#stmts) this.#checkFile();
    if (!this.#db || !this.#stmts) throw this.#notOpen();
    return this.#db;
  }

  /** Schedules in this database's `schedules` table, shared by every process on the file. */
  scheduleStore(): IScheduleStore {
    return new SQLiteScheduleStore({ storage: this });
  }

  async init(): Promise<void> {
    if (this.#db) return;
    this.#use(this.#open());
  }

  async close(): Promise<void> {
    const db = this.#db;
    const checkpointer = this.#checkpointer;
    this.#db = null;
    this.#stmts = null;
    this.#tx = null;
    this.#checkpointer = null;
    this.#guard = null;
    this.#parked = null;
    await checkpointer?.stop();
    // Safe on a lost file too: SQLite sees that the file left its path and closes it
    // without a checkpoint and without deleting the -wal and -shm files at the path.
    if (db && !this.#options.database) db.close();
  }

  async add(jobs: readonly NewJob[], now: number): Promise<AddedJob[]> {
    // Producers may never start a queue (no watch): look at the file here too, at most
    // every CHECK_EVERY_MS, so that jobs are not stored in a deleted file for long.
    if (this.#guard?.due()) this.#checkFile();
    const only = jobs.length === 1 ? jobs[0]! : undefined;
    if (only !== undefined && only.dedupeKey === null) {
      // One INSERT is atomic by itself, and a write statement takes the write lock before
      // it reads anything: the BEGIN IMMEDIATE/COMMIT pair would add two statements to
      // the cost of the commit and change nothing.
      const s = this.#statements();
      return this.#wrap('add', () =>
        this.#retryBusy(() => {
          const { lastInsertRowid } = s.insertPlain.run(
            only.type, only.payloadJson, only.priority, only.runAt, only.maxRetries, only.timeoutMs, only.manual ? 1 : 0, now,
          );
          return [{ id: String(lastInsertRowid), created: true }];
        }),
      );
    }
    return this.#write('add', (s) => {
      const out = new Array<AddedJob>(jobs.length);
      let i = 0;
      while (i < jobs.length) {
        const j = jobs[i]!;
        if (j.dedupeKey === null) {
          // Without a dedupe key nothing can conflict: a run of such jobs is stored with
          // multi-row INSERTs and their rowids, without the conflict clause and the
          // RETURNING row. Runs end at a job with a key, so ids follow input order.
          let end = i + 1;
          while (end < jobs.length && jobs[end]!.dedupeKey === null) end++;
          insertRun(s, jobs, i, end, now, out);
          i = end;
          continue;
        }
        const row = s.insert.get(
          j.type,
          j.payloadJson,
          j.priority,
          j.runAt,
          j.maxRetries,
          j.dedupeKey,
          j.timeoutMs,
          j.manual ? 1 : 0,
          now,
        ) as { id: number } | undefined;
        if (row) {
          out[i++] = { id: String(row.id), created: true };
          continue;
        }
        const existing = s.findDedupe.get(j.dedupeKey) as { id: number } | undefined;
        if (!existing) throw new StorageError(`Insert of a "${j.type}" job stored nothing`);
        out[i++] = { id: String(existing.id), created: false };
      }
      return out;
    });
  }

  async claim(workerId: string, limit: number, now: number, leaseMs: number): Promise<Job[]> {
    if (limit <= 0) return [];
    return this.#write('claim', (s) => claimRows(s, workerId, limit, now, leaseMs));
  }

  async complete(refs: readonly LeaseRef[]): Promise<number> {
    if (refs.length === 0) return 0;
    return this.#write('complete', (s) => deleteLeased(s, refs));
  }

  async completeAndClaim(refs: readonly LeaseRef[], claim: ClaimRequest): Promise<{ completed: number; jobs: Job[] }> {
    return this.#write('completeAndClaim', (s) => {
      const completed = deleteLeased(s, refs);
      if (claim.limit <= 0) return { completed, jobs: [] };
      return { completed, jobs: claimRows(s, claim.workerId, claim.limit, claim.now, claim.leaseMs) };
    });
  }

  async fail(ref: LeaseRef, outcome: FailOutcome, now: number): Promise<boolean> {
    return this.#write('fail', (s) => {
      if (outcome.retryAt !== null) {
        return s.retryLater.run(outcome.retryAt, outcome.error, toRowId(ref.id), ref.workerId).changes > 0;
      }
      if (outcome.retain) return s.failRetain.run(outcome.error, now, toRowId(ref.id), ref.workerId).changes > 0;
      return s.failDelete.run(toRowId(ref.id), ref.workerId).changes > 0;
    });
  }

  async release(refs: readonly LeaseRef[]): Promise<void> {
    if (refs.length === 0) return;
    this.#write('release', (s) => {
      for (const r of refs) s.release.run(toRowId(r.id), r.workerId);
    });
  }

  async extendLeases(refs: readonly LeaseRef[], now: number, leaseMs: number): Promise<LeaseReport> {
    const report: LeaseReport = { lost: [], cancelRequested: [] };
    if (refs.length === 0) return report;
    return this.#write('extendLeases', (s) => {
      for (const r of refs) {
        const row = s.extend.get(now + leaseMs, toRowId(r.id), r.workerId) as { cancel_requested: number } | undefined;
        if (!row) report.lost.push(r.id);
        else if (row.cancel_requested === 1) report.cancelRequested.push(r.id);
      }
      return report;
    });
  }

  async recoverStalled(policy: StallPolicy): Promise<StallReport> {
    return this.#write('recoverStalled', (s) => {
      const report: StallReport = { recovered: [], failed: [] };
      for (const row of s.expired.all(policy.now) as JobRow[]) {
        const job = rowToJob(row);
        const outOfStalls = row.stalls + 1 > policy.maxStalls;
        const outOfAttempts = row.attempts > row.max_retries;
        if (outOfStalls || outOfAttempts || row.cancel_requested === 1) {
          const why = outOfStalls
            ? `stalled ${row.stalls + 1} time(s): its worker stopped renewing the lease (process died?)`
            : 'stalled on its last attempt';
          if (policy.retain && row.cancel_requested !== 1) s.stallFailRetain.run(why, policy.now, row.id);
          else s.deleteById.run(row.id);
          report.failed.push({ ...job, stalls: row.stalls + 1, lastError: why });
        } else {
          s.stallBack.run(row.id);
          report.recovered.push({ ...job, state: 'pending', stalls: row.stalls + 1, lockedBy: null, lockedUntil: null });
        }
      }
      return report;
    });
  }

  async setProgress(ref: LeaseRef, value: unknown): Promise<void> {
    this.#write('setProgress', (s) => s.progress.run(JSON.stringify(value ?? null), toRowId(ref.id), ref.workerId));
  }

  async get(id: string): Promise<Job | null> {
    const row = this.#read('get', (s) => s.get.get(toRowId(id)) as JobRow | undefined);
    return row ? rowToJob(row) : null;
  }

  async cancel(id: string): Promise<CancelOutcome> {
    return this.#write('cancel', (s): CancelOutcome => {
      const row = s.get.get(toRowId(id)) as JobRow | undefined;
      if (!row) return { outcome: 'not_found', job: null };
      if (row.state === 'processing') {
        s.requestCancel.run(row.id);
        return { outcome: 'requested', job: rowToJob(row) };
      }
      s.deleteById.run(row.id);
      return { outcome: 'deleted', job: rowToJob(row) };
    });
  }

  async retry(id: string, now: number): Promise<Job | null> {
    return this.#write('retry', (s) => {
      try {
        const row = s.retry.get(now, toRowId(id)) as JobRow | undefined;
        return row ? rowToJob(row) : null;
      } catch (error) {
        if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'SQLITE_CONSTRAINT_UNIQUE') {
          throw new ValidationError(`Job ${id} cannot be retried: a live job already holds its dedupe key`, [
            { path: 'dedupeKey', message: 'already used by a pending or running job' },
          ]);
        }
        throw error;
      }
    });
  }

  async list(query: JobListQuery, now: number): Promise<Job[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    switch (query.state) {
      case 'pending':
        where.push("state = 'pending' AND run_at <= ?");
        params.push(now);
        break;
      case 'delayed':
        where.push("state = 'pending' AND run_at > ?");
        params.push(now);
        break;
      case 'processing':
      case 'failed':
        where.push('state = ?');
        params.push(query.state);
        break;
      case undefined:
        break;
    }
    if (query.type !== undefined) {
      where.push('type = ?');
      params.push(query.type);
    }
    const limit = Math.min(Math.max(0, Math.floor(query.limit ?? 50)), 1000);
    const offset = Math.max(0, Math.floor(query.offset ?? 0));
    const sql =
      `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      `ORDER BY priority, run_at, id LIMIT ? OFFSET ?`;
    return this.#read('list', () => (this.database.prepare(sql).all(...params, limit, offset) as JobRow[]).map(rowToJob));
  }

  async stats(now: number): Promise<QueueStats> {
    const rows = this.#read(
      'stats',
      (s) => s.counts.all(now) as { type: string; state: string; delayed: number; n: number }[],
    );
    const stats: QueueStats = { pending: 0, delayed: 0, processing: 0, failed: 0, byType: {} };
    for (const r of rows) {
      const bucket = (stats.byType[r.type] ??= { pending: 0, delayed: 0, processing: 0, failed: 0 });
      const key = r.state === 'pending' ? (r.delayed ? 'delayed' : 'pending') : r.state === 'processing' ? 'processing' : 'failed';
      bucket[key] += r.n;
      stats[key] += r.n;
    }
    return stats;
  }

  async nextRunAt(): Promise<number | null> {
    // One MIN() per priority: each is a single seek on jobs_ready (priority, run_at, id),
    // so this stays O(10) whatever the depth, without a second index on run_at.
    return this.#read('nextRunAt', (s) => {
      let min: number | null = null;
      for (let p = MIN_PRIORITY; p <= MAX_PRIORITY; p++) {
        const row = s.minRunAt.get(p) as { m: number | null };
        if (row.m !== null && (min === null || row.m < min)) min = row.m;
      }
      return min;
    });
  }

  watch(onChange: () => void, intervalMs: number): () => void {
    let db = this.database;
    // A prepared statement: db.pragma() compiles its statement on every call.
    let probe = db.prepare('PRAGMA data_version').pluck();
    let last = probe.get() as number;
    let generation = this.#generation;
    const check = (): void => {
      if (!this.#db) return;
      this.#checkFile();
      if (generation !== this.#generation) {
        // The file came back, or a restored one was opened: watch that one, and wake the
        // workers at once (they back off while the file is lost).
        generation = this.#generation;
        if (this.#db !== db) {
          db = this.#db;
          arm();
          try {
            probe = db.prepare('PRAGMA data_version').pluck();
            last = probe.get() as number;
          } catch {
            // As below: the next real operation reports the storage error.
          }
        }
        onChange();
        return;
      }
      let current: number;
      try {
        current = probe.get() as number;
      } catch {
        // The next real operation reports the storage error; a watcher only hints.
        return;
      }
      if (current !== last) {
        last = current;
        onChange();
      }
    };
    // Every commit of any process appends to the WAL file, so a file-system watch on it
    // wakes us at once and costs nothing while idle; data_version then tells another
    // connection's commit from our own. Where the watch is unavailable (in-memory
    // database, a file system without notifications) polling at `intervalMs` does it alone.
    let queued = false;
    const soon = (): void => {
      if (queued) return;
      queued = true;
      setImmediate(() => {
        queued = false;
        check();
      });
    };
    let watcher: FSWatcher | null = null;
    // The database file itself changes only on checkpoints; an event on it may mean it
    // was deleted, moved or replaced, so it asks the guard for a look at once.
    let fileWatcher: FSWatcher | null = null;
    const watchFile = (path: string, listener: () => void): FSWatcher | null => {
      try {
        const w = fsWatch(path, { persistent: false }, listener);
        w.on('error', () => w.close());
        return w;
      } catch {
        return null;
      }
    };
    const arm = (): void => {
      watcher?.close();
      fileWatcher?.close();
      watcher = null;
      fileWatcher = null;
      if (db.name === ':memory:' || db.name === '') return;
      watcher = watchFile(`${db.name}-wal`, soon);
      if (this.#guard) {
        fileWatcher = watchFile(this.#guard.path, () => {
          this.#guard?.flag();
          soon();
        });
      }
    };
    arm();
    // With the watch, the poll is only a safety net for a missed notification.
    const timer = setInterval(check, watcher ? Math.max(intervalMs, SAFETY_POLL_MS) : Math.max(1, intervalMs));
    timer.unref();
    return () => {
      clearInterval(timer);
      watcher?.close();
      fileWatcher?.close();
    };
  }

  /**
   * Opens the configured database (migrations, statements) and the guard of its file;
   * `path` (absolute) replaces a relative file name that the working directory could change.
   */
  #open(path?: string): Opened {
    const source = path === undefined ? this.#options : { filename: path, busyTimeoutMs: this.#options.busyTimeoutMs };
    // The queue needs WAL even on a connection the host opened: claims and reads of
    // other processes must not block each other.
    const { db, owned, value } = openSqlite(
      source,
      (db) => {
        this.#retryBusy(() => migrate(db));
        return { stmts: prepare(db), tx: db.transaction((fn: () => unknown) => fn()) };
      },
      { wal: 'always', mustExist: this.#lostFile },
    );
    return { db, owned, ...value, guard: SqliteFileGuard.of(db, owned) };
  }

  #use(opened: Opened): void {
    this.#stmts = opened.stmts;
    this.#tx = opened.tx;
    this.#guard = opened.guard;
    this.#parked = null;
    this.#db = opened.db;
    // A restored file gets a thread of its own; the old one only held the lost file.
    void this.#checkpointer?.stop();
    this.#checkpointer = opened.owned ? this.#startCheckpoints(opened.db) : null;
  }

  /** Starts background checkpoints on a file this storage opened, unless turned off. */
  #startCheckpoints(db: SqliteDatabase): Checkpointer | null {
    if (this.#options.backgroundCheckpoints === false || db.memory) return null;
    db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT}`);
    const checkpointer = startCheckpointer({
      filename: db.name,
      onFailure: (error) => {
        // Back to checkpoints inside commits: slower, never unbounded. Warned, not
        // thrown: no job operation failed, and the host should still hear of it.
        if (this.#checkpointer !== checkpointer) return;
        this.#checkpointer = null;
        if (this.#db === db) db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT}`);
        process.emitWarning(`${error.message}; checkpoints run inside commits again`, { code: 'PHASEQ_CHECKPOINT' });
      },
    });
    return checkpointer;
  }

  /**
   * Looks whether the file under the connection is still the one at its path, when a
   * look is due (see SqliteFileGuard), and acts on the answer. Never on the claim path:
   * the watch's ticks and `add` call it, and every operation while the file is lost.
   */
  #checkFile(): void {
    const guard = this.#guard;
    if (!guard?.due()) return;
    switch (guard.check()) {
      case 'ok':
        return;
      case 'lost':
        // Parking the statements makes every operation fail in #statements at no cost
        // to the operations of a healthy storage.
        if (this.#stmts) {
          this.#parked = this.#stmts;
          this.#stmts = null;
          this.#lostFile = true;
        }
        return;
      case 'back':
        // The very file we opened: the connection is still valid, nothing to reopen.
        this.#stmts = this.#parked;
        this.#parked = null;
        this.#generation++;
        return;
      case 'reopen': {
        let opened: Opened;
        try {
          opened = this.#open(guard.path);
        } catch (error) {
          guard.reopenFailed(error);
          return;
        }
        const old = this.#db;
        this.#use(opened);
        this.#generation++;
        // SQLite sees that the old file left its path and closes it without a checkpoint
        // and without deleting the -wal and -shm files now at the path (the new file's).
        old?.close();
        return;
      }
    }
  }

  #notOpen(): StorageError {
    if (this.#guard?.lost) return this.#guard.error();
    return new StorageError('SQLite storage is not open: call init() (or queue.start()) first');
  }

  #statements(): Statements {
    if (!this.#stmts) {
      this.#checkFile();
      if (!this.#stmts) throw this.#notOpen();
    }
    return this.#stmts;
  }

  /** Runs a write in one IMMEDIATE transaction, retrying while another process holds the lock. */
  #write<T>(op: string, fn: (s: Statements) => T): T {
    const s = this.#statements();
    const tx = this.#tx!;
    return this.#wrap(op, () => this.#retryBusy(() => tx.immediate(() => fn(s)) as T));
  }

  #read<T>(op: string, fn: (s: Statements) => T): T {
    const s = this.#statements();
    return this.#wrap(op, () => this.#retryBusy(() => fn(s)));
  }

  #wrap<T>(op: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof PhaseqError) throw error;
      throw new StorageError(`SQLite ${op} failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }

  /**
   * busy_timeout already waits for locks; this outer retry covers the cases SQLite
   * reports BUSY without waiting (e.g. a WAL checkpoint or recovery in another process),
   * with a short growing pause so that no SQLITE_BUSY reaches the caller under contention.
   */
  #retryBusy<T>(fn: () => T): T {
    for (let attempt = 0; ; attempt++) {
      try {
        return fn();
      } catch (error) {
        if (!isBusy(error) || attempt >= BUSY_RETRIES) throw error;
        sleepSync(Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random() / 2));
      }
    }
  }
}
