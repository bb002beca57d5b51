/**
 * SQLiteJobQueueStorage: the embedded default. One file, no server (better-sqlite3).
 *
 * - WAL journal, synchronous=NORMAL, busy_timeout: readers never block the writer, and a
 *   commit costs no fsync (a power cut can lose the last commits, never corrupt the file).
 * - Every write is one IMMEDIATE transaction (or one INSERT statement, which takes the
 *   write lock before it reads), so a read-then-write never has to upgrade its lock (the
 *   upgrade is what fails with SQLITE_BUSY under contention in WAL mode).
 * - A claim reads the `jobs_claim` index one job type at a time, inside one IMMEDIATE
 *   transaction with the pauses and running counts it honours (sqliteClaim.ts): atomic
 *   across every process sharing the file.
 * - The connection itself (opening, retries on BUSY, the watch, file-loss detection,
 *   background checkpoints) is SqliteConnection's; the SQL is in sqliteStatements.ts.
 */
import { dedupeRetryError, listWindow, stallVerdict } from '../../storage/policy.js';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { SqliteSource } from './connection.js';
import { StorageError, ValidationError } from '../../errors.js';
import type { IScheduleStore } from '../../scheduler/ScheduleStore.js';
import { SQLiteScheduleStore } from './scheduleStore.js';
import type { Job, QueueStats } from '../../types.js';
import { rowToJob, type JobRow } from '../../storage/rows.js';
import { SqliteConnection } from './jobConnection.js';
import { debounced, deleteLeased, insertRun, toRowId } from './statements.js';
import { buildStats, emptyCounts, type StateCounts } from '../../storage/stats.js';
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
  PauseState,
  StallPolicy,
  StallReport,
  WatchOptions,
  WorkerAnnouncement,
} from '../../storage/types.js';
import type { ClaimFilter, ClaimReport } from '../../storage/claims.js';

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
  readonly #conn: SqliteConnection;
  constructor(options: SQLiteJobQueueStorageOptions) {
    if (!options || (options.filename === undefined && options.database === undefined)) {
      throw new ValidationError('SQLiteJobQueueStorage needs { filename } or { database }', [
        { path: 'filename', message: 'required when no database is given' },
      ]);
    }
    this.#conn = new SqliteConnection(options);
    this.defaultConcurrency = options.defaultConcurrency ?? 3;
  }

  /** The open database (after `init`), for hosts that share it with their own tables. */
  get database(): SqliteDatabase {
    return this.#conn.database;
  }

  /** Schedules in this database's `schedules` table, shared by every process on the file. */
  scheduleStore(): IScheduleStore {
    return new SQLiteScheduleStore({ storage: this });
  }

  async init(): Promise<void> {
    this.#conn.open();
  }

  async close(): Promise<void> {
    await this.#conn.close();
  }

  async add(jobs: readonly NewJob[], now: number): Promise<AddedJob[]> {
    // Producers may never start a queue (no watch): look at the file here too, at most
    // every CHECK_EVERY_MS, so that jobs are not stored in a deleted file for long.
    this.#conn.checkFile();
    const only = jobs.length === 1 ? jobs[0]! : undefined;
    if (only !== undefined && plain(only) && !only.trace) {
      // One INSERT is atomic by itself, and a write statement takes the write lock before
      // it reads anything: the BEGIN IMMEDIATE/COMMIT pair would add two statements to
      // the cost of the commit and change nothing.
      const s = this.#conn.statements();
      return this.#conn.wrap('add', () =>
        this.#conn.retryBusy(() => {
          const { lastInsertRowid } = s.insertPlain.run(
            only.type,
            only.payloadJson,
            only.priority,
            only.runAt,
            only.maxRetries,
            only.timeoutMs,
            only.manual ? 1 : 0,
            now,
          );
          return [{ id: String(lastInsertRowid), created: true }];
        }),
      );
    }
    return this.#conn.write('add', (s) => {
      const out = new Array<AddedJob>(jobs.length);
      let i = 0;
      while (i < jobs.length) {
        const j = jobs[i]!;
        if (plain(j)) {
          // Without a dedupe key nothing can conflict: a run of such jobs is stored with
          // multi-row INSERTs and their rowids, without the conflict clause and the
          // RETURNING row. Runs end at a job with a key (dedupe or group: those go one by
          // one), so ids follow input order.
          let end = i + 1;
          const trace = j.trace ?? null;
          while (end < jobs.length && plain(jobs[end]!) && (jobs[end]!.trace ?? null) === trace) end++;
          insertRun(s, jobs, i, end, now, out);
          i = end;
          continue;
        }
        if (j.debounce && j.dedupeKey !== null) {
          const held = debounced(s, j, now);
          if (held) {
            out[i++] = held;
            continue;
          }
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
          j.groupKey,
          j.trace ?? null,
        ) as { id: number } | undefined;
        if (row) {
          out[i++] = { id: String(row.id), created: true };
          continue;
        }
        const existing = j.dedupeKey === null ? undefined : (s.findDedupe.get(j.dedupeKey) as { id: number } | undefined);
        if (!existing) throw new StorageError(`Insert of a "${j.type}" job stored nothing`);
        out[i++] = { id: String(existing.id), created: false };
      }
      return out;
    });
  }

  async claim(workerId: string, limit: number, now: number, leaseMs: number, filter?: ClaimFilter, report?: ClaimReport): Promise<Job[]> {
    if (limit <= 0) return [];
    return this.#conn.write('claim', (s) => s.claims.claim(workerId, limit, now, leaseMs, filter, report));
  }

  async complete(refs: readonly LeaseRef[]): Promise<number> {
    if (refs.length === 0) return 0;
    return this.#conn.write('complete', (s) => deleteLeased(s, refs));
  }

  async completeAndClaim(refs: readonly LeaseRef[], claim: ClaimRequest): Promise<{ completed: number; jobs: Job[] }> {
    return this.#conn.write('completeAndClaim', (s) => {
      const completed = deleteLeased(s, refs);
      if (claim.limit <= 0) return { completed, jobs: [] };
      return { completed, jobs: s.claims.claim(claim.workerId, claim.limit, claim.now, claim.leaseMs, claim.filter, claim.report) };
    });
  }

  async fail(ref: LeaseRef, outcome: FailOutcome, now: number): Promise<boolean> {
    return this.#conn.write('fail', (s) => {
      if (outcome.retryAt !== null) {
        return s.retryLater.run(outcome.retryAt, outcome.error, toRowId(ref.id), ref.workerId).changes > 0;
      }
      if (outcome.retain) return s.failRetain.run(outcome.error, now, toRowId(ref.id), ref.workerId).changes > 0;
      return s.failDelete.run(toRowId(ref.id), ref.workerId).changes > 0;
    });
  }

  async release(refs: readonly LeaseRef[]): Promise<void> {
    if (refs.length === 0) return;
    this.#conn.write('release', (s) => {
      for (const r of refs) s.release.run(toRowId(r.id), r.workerId);
    });
  }

  async postpone(ref: LeaseRef, runAt: number, note: string): Promise<boolean> {
    return this.#conn.write('postpone', (s) => s.postpone.run(runAt, note, toRowId(ref.id), ref.workerId).changes > 0);
  }

  async extendLeases(refs: readonly LeaseRef[], now: number, leaseMs: number): Promise<LeaseReport> {
    const report: LeaseReport = { lost: [], cancelRequested: [] };
    if (refs.length === 0) return report;
    return this.#conn.write('extendLeases', (s) => {
      for (const r of refs) {
        const row = s.extend.get(now + leaseMs, toRowId(r.id), r.workerId) as { cancel_requested: number } | undefined;
        if (!row) report.lost.push(r.id);
        else if (row.cancel_requested === 1) report.cancelRequested.push(r.id);
      }
      return report;
    });
  }

  async recoverStalled(policy: StallPolicy): Promise<StallReport> {
    return this.#conn.write('recoverStalled', (s) => {
      const report: StallReport = { recovered: [], failed: [] };
      for (const row of s.expired.all(policy.now) as JobRow[]) {
        const job = rowToJob(row);
        const { fail, why } = stallVerdict(
          { stalls: row.stalls, attempts: row.attempts, maxRetries: row.max_retries, cancelRequested: row.cancel_requested === 1 },
          policy.maxStalls,
        );
        if (fail) {
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
    this.#conn.write('setProgress', (s) => s.progress.run(JSON.stringify(value ?? null), toRowId(ref.id), ref.workerId));
  }

  async get(id: string): Promise<Job | null> {
    const row = this.#conn.read('get', (s) => s.get.get(toRowId(id)) as JobRow | undefined);
    return row ? rowToJob(row) : null;
  }

  async cancel(id: string): Promise<CancelOutcome> {
    return this.#conn.write('cancel', (s): CancelOutcome => {
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
    return this.#conn.write('retry', (s) => {
      try {
        const row = s.retry.get(now, toRowId(id)) as JobRow | undefined;
        return row ? rowToJob(row) : null;
      } catch (error) {
        if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'SQLITE_CONSTRAINT_UNIQUE') {
          throw dedupeRetryError(id);
        }
        throw error;
      }
    });
  }

  async list(query: JobListQuery, now: number): Promise<Job[]> {
    const { limit, offset } = listWindow(query);
    const pendingState = query.state === 'pending' || query.state === 'delayed';
    if (pendingState && query.type === undefined) {
      // The claim index starts with the type: a page across types merges each type's
      // first offset + limit jobs (one seek each) instead of sorting every pending job.
      return this.#conn.read('list', (s) => {
        const types = s.claims.pendingTypes();
        if (types.length === 0 || limit === 0) return [];
        const arms = types.map(
          (_, i) => `SELECT * FROM (SELECT * FROM jobs WHERE state = 'pending' AND type = @t${i} AND ${runAtTest(query.state)}
                      ORDER BY priority, run_at, id LIMIT @depth)`,
        );
        const sql = `${arms.join(' UNION ALL ')} ORDER BY priority, run_at, id LIMIT @limit OFFSET @offset`;
        const params: Record<string, string | number> = { now, depth: offset + limit, limit, offset };
        types.forEach((t, i) => (params[`t${i}`] = t));
        return (this.database.prepare(sql).all(params) as JobRow[]).map(rowToJob);
      });
    }
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (pendingState) {
      where.push(`state = 'pending' AND ${runAtTest(query.state, '?')}`);
      params.push(now);
    } else if (query.state !== undefined) {
      where.push('state = ?');
      params.push(query.state);
    }
    if (query.type !== undefined) {
      where.push('type = ?');
      params.push(query.type);
    }
    const sql =
      `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` + `ORDER BY priority, run_at, id LIMIT ? OFFSET ?`;
    return this.#conn.read('list', () => (this.database.prepare(sql).all(...params, limit, offset) as JobRow[]).map(rowToJob));
  }

  async stats(now: number): Promise<QueueStats> {
    const { rows, paused, workers } = this.#conn.read('stats', (s) => ({
      rows: s.counts.all(now) as { type: string; state: string; delayed: number; n: number }[],
      paused: s.pausedTypes.all() as string[],
      workers: s.liveWorkers.all(now) as string[],
    }));
    const counts = new Map<string, StateCounts>();
    for (const r of rows) {
      let c = counts.get(r.type);
      if (!c) counts.set(r.type, (c = emptyCounts()));
      c[r.state === 'pending' ? (r.delayed ? 'delayed' : 'pending') : r.state === 'processing' ? 'processing' : 'failed'] += r.n;
    }
    return buildStats(
      counts,
      toPauseState(paused),
      workers.map((types) => JSON.parse(types) as string[]),
    );
  }

  async nextRunAt(types?: readonly string[]): Promise<number | null> {
    // One MIN() per type and priority, each a single seek on jobs_claim, whatever the depth.
    return this.#conn.read('nextRunAt', (s) => {
      const list = types ?? s.claims.pendingTypes();
      return list.length === 0 ? null : (s.minRunAt.get(JSON.stringify(list)) as number | null);
    });
  }

  async pause(type: string | null, now: number): Promise<boolean> {
    return this.#conn.write('pause', (s) => s.pause.run(type ?? '', now).changes > 0);
  }

  async resume(type: string | null): Promise<boolean> {
    // The commit itself wakes the other processes' watch.
    return this.#conn.write('resume', (s) => s.resume.run(type ?? '').changes > 0);
  }

  async pauseState(): Promise<PauseState> {
    return toPauseState(this.#conn.read('pauseState', (s) => s.pausedTypes.all() as string[]));
  }

  async announceWorker(worker: WorkerAnnouncement, now: number): Promise<void> {
    this.#conn.write('announceWorker', (s) => {
      s.pruneWorkers.run(now);
      s.announce.run(worker.id, JSON.stringify(worker.types), worker.expiresAt);
    });
  }

  async retireWorker(id: string): Promise<void> {
    this.#conn.write('retireWorker', (s) => s.retireWorker.run(id));
  }

  /**
   * Calls `onChange` when another process committed (a file-system watch on the WAL file,
   * confirmed by `PRAGMA data_version`, with a poll as safety net), or when a lost file
   * came back. Returns a function that stops watching.
   */
  watch(onChange: () => void, intervalMs: number, options?: WatchOptions): () => void {
    return this.#conn.watch(onChange, intervalMs, options?.wanted);
  }
}

/** A job stored by the multi-row inserts: no dedupe key, no group key. */
function plain(job: NewJob): boolean {
  return job.dedupeKey === null && job.groupKey === null;
}

/** The run-time test of a pending or delayed listing, `now` its parameter. */
function runAtTest(state: JobListQuery['state'], now = '@now'): string {
  return state === 'delayed' ? `run_at > ${now}` : `run_at <= ${now}`;
}

/** The rows of `queue_pauses` as a {@link PauseState} ('' is the whole queue). */
function toPauseState(rows: readonly string[]): PauseState {
  return { queue: rows.includes(''), types: rows.filter((t) => t !== '') };
}
