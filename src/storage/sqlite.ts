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
 */
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { openSqlite, type SqliteSource } from '../db/connection.js';
import { PhaseqError, StorageError, ValidationError } from '../errors.js';
import { migrate } from '../db/migrate.js';
import { MAX_PRIORITY, MIN_PRIORITY, type Job, type QueueStats } from '../types.js';
import { compareClaimOrder, rowToJob, type JobRow } from './rows.js';
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
};

interface Statements {
  insert: Statement;
  insertPlain: Statement;
  /** Multi-row `insertPlain`, one per count of {@link ROW_CHUNKS}, in that order. */
  insertRows: Statement[];
  findDedupe: Statement;
  claim: Statement;
  complete: Statement;
  retryLater: Statement;
  failRetain: Statement;
  failDelete: Statement;
  release: Statement;
  extend: Statement;
  expired: Statement;
  stallBack: Statement;
  stallFailRetain: Statement;
  deleteById: Statement;
  progress: Statement;
  get: Statement;
  requestCancel: Statement;
  retry: Statement;
  minRunAt: Statement;
  counts: Statement;
}

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

/**
 * Ids are strings in the API but INTEGER rowids here: binding the string would compare
 * TEXT with INTEGER and lose the rowid lookup. A non-numeric id names no row (-1).
 */
function toRowId(id: string): number {
  return /^[0-9]{1,15}$/.test(id) ? Number(id) : -1;
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
  /** One transaction wrapper for every write: building one per call costs more than the commit of a small batch. */
  #tx: ((fn: () => unknown) => unknown) & { immediate: (fn: () => unknown) => unknown } | null = null;

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
    if (!this.#db) throw new StorageError('SQLite storage is not open: call init() (or queue.start()) first');
    return this.#db;
  }

  async init(): Promise<void> {
    if (this.#db) return;
    // The queue needs WAL even on a connection the host opened: claims and reads of
    // other processes must not block each other.
    const { db, value } = openSqlite(
      this.#options,
      (db) => {
        this.#retryBusy(() => migrate(db));
        return { stmts: prepare(db), tx: db.transaction((fn: () => unknown) => fn()) };
      },
      { wal: 'always' },
    );
    this.#stmts = value.stmts;
    this.#tx = value.tx;
    this.#db = db;
  }

  async close(): Promise<void> {
    const db = this.#db;
    this.#db = null;
    this.#stmts = null;
    this.#tx = null;
    if (db && !this.#options.database) db.close();
  }

  async add(jobs: readonly NewJob[], now: number): Promise<AddedJob[]> {
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
    return this.#write('claim', (s) => {
      const rows = s.claim.all({ owner: workerId, until: now + leaseMs, now, limit }) as JobRow[];
      return rows.map(rowToJob).sort(compareClaimOrder);
    });
  }

  async complete(refs: readonly LeaseRef[]): Promise<number> {
    if (refs.length === 0) return 0;
    return this.#write('complete', (s) => deleteLeased(s, refs));
  }

  async completeAndClaim(refs: readonly LeaseRef[], claim: ClaimRequest): Promise<{ completed: number; jobs: Job[] }> {
    return this.#write('completeAndClaim', (s) => {
      const completed = deleteLeased(s, refs);
      if (claim.limit <= 0) return { completed, jobs: [] };
      const rows = s.claim.all({ owner: claim.workerId, until: claim.now + claim.leaseMs, now: claim.now, limit: claim.limit }) as JobRow[];
      return { completed, jobs: rows.map(rowToJob).sort(compareClaimOrder) };
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
    const db = this.database;
    // A prepared statement: db.pragma() compiles its statement on every call.
    const probe = db.prepare('PRAGMA data_version').pluck();
    let last = probe.get() as number;
    const check = (): void => {
      if (!this.#db) return;
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
    if (db.name !== ':memory:' && db.name !== '') {
      try {
        watcher = fsWatch(`${db.name}-wal`, { persistent: false }, soon);
        watcher.on('error', () => {
          watcher?.close();
          watcher = null;
        });
      } catch {
        watcher = null;
      }
    }
    // With the watch, the poll is only a safety net for a missed notification.
    const timer = setInterval(check, watcher ? Math.max(intervalMs, SAFETY_POLL_MS) : Math.max(1, intervalMs));
    timer.unref();
    return () => {
      clearInterval(timer);
      watcher?.close();
    };
  }

  #statements(): Statements {
    if (!this.#stmts) throw new StorageError('SQLite storage is not open: call init() (or queue.start()) first');
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

/** Rows per multi-row INSERT, largest first; each count has its own prepared statement. */
const ROW_CHUNKS = [32, 16, 8, 4, 2] as const;
/** Columns bound per row by `insertPlain` and the `insertRows` statements. */
const PLAIN_COLUMNS = 8;

/**
 * Stores `jobs[start..end)` (none with a dedupe key) and writes their ids to `out`.
 *
 * A multi-row INSERT reports only the rowid of its last row. The rows of one statement
 * get consecutive rowids: with AUTOINCREMENT each new rowid is one more than the larger
 * of the table's largest rowid and the sequence, and the open write transaction keeps
 * every other writer out. `changes` confirms that every row was stored.
 */
function insertRun(s: Statements, jobs: readonly NewJob[], start: number, end: number, now: number, out: AddedJob[]): void {
  let i = start;
  for (let c = 0; c < ROW_CHUNKS.length; c++) {
    const rows = ROW_CHUNKS[c]!;
    const stmt = s.insertRows[c]!;
    while (end - i >= rows) {
      const args = new Array<unknown>(rows * PLAIN_COLUMNS);
      for (let r = 0, a = 0; r < rows; r++) {
        const j = jobs[i + r]!;
        args[a++] = j.type;
        args[a++] = j.payloadJson;
        args[a++] = j.priority;
        args[a++] = j.runAt;
        args[a++] = j.maxRetries;
        args[a++] = j.timeoutMs;
        args[a++] = j.manual ? 1 : 0;
        args[a++] = now;
      }
      const { changes, lastInsertRowid } = stmt.run(args);
      if (changes !== rows) throw new StorageError(`A ${rows}-row insert stored ${changes} rows`);
      const first = Number(lastInsertRowid) - rows + 1;
      for (let r = 0; r < rows; r++) out[i + r] = { id: String(first + r), created: true };
      i += rows;
    }
  }
  if (i < end) {
    const j = jobs[i]!;
    const { lastInsertRowid } = s.insertPlain.run(
      j.type, j.payloadJson, j.priority, j.runAt, j.maxRetries, j.timeoutMs, j.manual ? 1 : 0, now,
    );
    out[i] = { id: String(lastInsertRowid), created: true };
  }
}

function deleteLeased(s: Statements, refs: readonly LeaseRef[]): number {
  let n = 0;
  for (const r of refs) n += s.complete.run(toRowId(r.id), r.workerId).changes;
  return n;
}

const INSERT_PLAIN = `INSERT INTO jobs (type, payload, priority, run_at, max_retries, timeout_ms, manual, created_at) VALUES`;
const PLAIN_ROW = '(?, ?, ?, ?, ?, ?, ?, ?)';

function prepare(db: SqliteDatabase): Statements {
  return {
    insert: db.prepare(
      `INSERT INTO jobs (type, payload, priority, run_at, max_retries, dedupe_key, timeout_ms, manual, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND state IN ('pending', 'processing') DO NOTHING
       RETURNING id`,
    ),
    insertPlain: db.prepare(`${INSERT_PLAIN} ${PLAIN_ROW}`),
    insertRows: ROW_CHUNKS.map((rows) => db.prepare(`${INSERT_PLAIN} ${Array<string>(rows).fill(PLAIN_ROW).join(', ')}`)),
    findDedupe: db.prepare(
      `SELECT id FROM jobs WHERE dedupe_key = ? AND state IN ('pending', 'processing')`,
    ),
    claim: db.prepare(
      `UPDATE jobs
          SET state = 'processing', locked_by = @owner, locked_until = @until, attempts = attempts + 1
        WHERE id IN (SELECT id FROM jobs
                      WHERE state = 'pending' AND run_at <= @now
                      ORDER BY priority, run_at, id
                      LIMIT @limit)
       RETURNING *`,
    ),
    complete: db.prepare(`DELETE FROM jobs WHERE id = ? AND locked_by = ? AND state = 'processing'`),
    retryLater: db.prepare(
      `UPDATE jobs SET state = 'pending', run_at = ?, last_error = ?, locked_by = NULL, locked_until = NULL
        WHERE id = ? AND locked_by = ? AND state = 'processing'`,
    ),
    failRetain: db.prepare(
      `UPDATE jobs SET state = 'failed', last_error = ?, failed_at = ?, locked_by = NULL, locked_until = NULL
        WHERE id = ? AND locked_by = ? AND state = 'processing'`,
    ),
    failDelete: db.prepare(`DELETE FROM jobs WHERE id = ? AND locked_by = ? AND state = 'processing'`),
    release: db.prepare(
      `UPDATE jobs SET state = 'pending', attempts = MAX(0, attempts - 1), locked_by = NULL, locked_until = NULL
        WHERE id = ? AND locked_by = ? AND state = 'processing'`,
    ),
    extend: db.prepare(
      `UPDATE jobs SET locked_until = ? WHERE id = ? AND locked_by = ? AND state = 'processing'
       RETURNING cancel_requested`,
    ),
    expired: db.prepare(`SELECT * FROM jobs WHERE state = 'processing' AND locked_until < ?`),
    stallBack: db.prepare(
      `UPDATE jobs SET state = 'pending', stalls = stalls + 1, locked_by = NULL, locked_until = NULL WHERE id = ?`,
    ),
    stallFailRetain: db.prepare(
      `UPDATE jobs SET state = 'failed', stalls = stalls + 1, last_error = ?, failed_at = ?,
              locked_by = NULL, locked_until = NULL WHERE id = ?`,
    ),
    deleteById: db.prepare(`DELETE FROM jobs WHERE id = ?`),
    progress: db.prepare(`UPDATE jobs SET progress = ? WHERE id = ? AND locked_by = ? AND state = 'processing'`),
    get: db.prepare(`SELECT * FROM jobs WHERE id = ?`),
    requestCancel: db.prepare(`UPDATE jobs SET cancel_requested = 1 WHERE id = ?`),
    retry: db.prepare(
      `UPDATE jobs SET state = 'pending', attempts = 0, stalls = 0, run_at = ?, failed_at = NULL
        WHERE id = ? AND state = 'failed' RETURNING *`,
    ),
    minRunAt: db.prepare(`SELECT MIN(run_at) AS m FROM jobs WHERE state = 'pending' AND priority = ?`),
    counts: db.prepare(
      `SELECT type, state, (state = 'pending' AND run_at > ?) AS delayed, COUNT(*) AS n
         FROM jobs GROUP BY type, state, delayed`,
    ),
  };
}
