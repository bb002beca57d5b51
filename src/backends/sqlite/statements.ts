/**
 * The SQL of the SQLite storage: every statement, prepared once per connection, and the
 * few helpers that run several of them for one storage operation (a run of inserts, a
 * claim, a turn's completions). The storage object (sqlite.ts) owns the connection,
 * transactions, retries and file-loss handling; this file owns what is said to SQLite.
 */
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { StorageError } from '../../errors.js';
import { MAX_PRIORITY, MIN_PRIORITY } from '../../types.js';
import { SqliteClaims } from './claim.js';
import type { AddedJob, LeaseRef, NewJob } from '../../storage/types.js';

/** Every statement the storage runs, prepared once per connection. */
export interface Statements {
  insert: Statement;
  insertPlain: Statement;
  /** Multi-row `insertPlain`, one per count of {@link ROW_CHUNKS}, in that order. */
  insertRows: Statement[];
  findDedupe: Statement;
  /** The live job holding a dedupe key, with what a debounced add decides on. */
  findHolder: Statement;
  /** A debounced add's replacement of a pending job's payload, group key and run time. */
  debounce: Statement;
  /** Takes a dedupe key from a running job (a debounced add stores the next one). */
  dropKey: Statement;
  /** Sets the trace of a run of consecutive ids (jobs stored by the multi-row inserts). */
  traceRange: Statement;
  /** The claim (see sqliteClaim.ts). */
  claims: SqliteClaims;
  complete: Statement;
  completeMany: Statement;
  retryLater: Statement;
  failRetain: Statement;
  failDelete: Statement;
  release: Statement;
  postpone: Statement;
  extend: Statement;
  expired: Statement;
  stallBack: Statement;
  stallFailRetain: Statement;
  deleteById: Statement;
  progress: Statement;
  get: Statement;
  requestCancel: Statement;
  retry: Statement;
  /** Earliest run time of pending jobs of the types in a JSON list. */
  minRunAt: Statement;
  counts: Statement;
  pause: Statement;
  resume: Statement;
  pausedTypes: Statement;
  announce: Statement;
  pruneWorkers: Statement;
  retireWorker: Statement;
  liveWorkers: Statement;
}

/**
 * Ids are strings in the API but INTEGER rowids here: binding the string would compare
 * TEXT with INTEGER and lose the rowid lookup. A non-numeric id names no row (-1).
 */
export function toRowId(id: string): number {
  return /^[0-9]{1,15}$/.test(id) ? Number(id) : -1;
}

/** Rows per multi-row INSERT, largest first; each count has its own prepared statement. */
const ROW_CHUNKS = [32, 16, 8, 4, 2] as const;
/** Columns bound per row by `insertPlain` and the `insertRows` statements. */
const PLAIN_COLUMNS = 8;

/**
 * Stores `jobs[start..end)` (none with a dedupe key or a group key, all with the same
 * trace) and writes their ids to `out`.
 *
 * A multi-row INSERT reports only the rowid of its last row. The rows of one statement
 * get consecutive rowids: with AUTOINCREMENT each new rowid is one more than the larger
 * of the table's largest rowid and the sequence, and the open write transaction keeps
 * every other writer out. `changes` confirms that every row was stored.
 */
export function insertRun(s: Statements, jobs: readonly NewJob[], start: number, end: number, now: number, out: AddedJob[]): void {
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
      j.type,
      j.payloadJson,
      j.priority,
      j.runAt,
      j.maxRetries,
      j.timeoutMs,
      j.manual ? 1 : 0,
      now,
    );
    out[i] = { id: String(lastInsertRowid), created: true };
  }
  // Every job of a run shares one trace (the caller's, see sqlite.ts): one UPDATE over
  // the run's consecutive ids keeps the inserts above as they are without tracing.
  const trace = jobs[start]!.trace ?? null;
  if (trace !== null && end > start) s.traceRange.run(trace, toRowId(out[start]!.id), toRowId(out[end - 1]!.id));
}

/**
 * A debounced add (inside the add's write transaction): with a pending job of the same
 * type holding the key, replaces its payload and pushes its run time back, and returns
 * it; with a running one, takes the key from it and returns null, so that the caller
 * stores `j` as the key's new holder. Null as well when no job holds the key. A holder
 * of another type is returned untouched, as plain dedupe does.
 */
export function debounced(s: Statements, j: NewJob, now: number): AddedJob | null {
  const held = s.findHolder.get(j.dedupeKey) as { id: number; type: string; state: string } | undefined;
  if (!held) return null;
  if (held.type === j.type && held.state === 'processing') {
    s.dropKey.run(held.id);
    return null;
  }
  if (held.type === j.type && j.debounce) {
    s.debounce.run({ payload: j.payloadJson, groupKey: j.groupKey, now, ms: j.debounce.ms, maxWaitMs: j.debounce.maxWaitMs, id: held.id });
  }
  return { id: String(held.id), created: false };
}

/**
 * Deletes completed jobs whose lease the caller holds. A busy turn completes dozens of
 * jobs of one lease holder: one DELETE over a JSON list of ids costs less than one
 * statement per job (each call into SQLite has its own overhead).
 */
export function deleteLeased(s: Statements, refs: readonly LeaseRef[]): number {
  if (refs.length === 1) return s.complete.run(toRowId(refs[0]!.id), refs[0]!.workerId).changes;
  const byOwner = new Map<string, number[]>();
  for (const r of refs) {
    const ids = byOwner.get(r.workerId);
    if (ids) ids.push(toRowId(r.id));
    else byOwner.set(r.workerId, [toRowId(r.id)]);
  }
  let n = 0;
  for (const [owner, ids] of byOwner) n += s.completeMany.run(JSON.stringify(ids), owner).changes;
  return n;
}

// Jobs with neither a dedupe key nor a group key: their group_key stays NULL without a
// bound parameter (one more per row cost a bulk add about 5 % of its SQLite time).
const INSERT_PLAIN = `INSERT INTO jobs (type, payload, priority, run_at, max_retries, timeout_ms, manual, created_at) VALUES`;
const PLAIN_ROW = '(?, ?, ?, ?, ?, ?, ?, ?)';

/** Prepares every statement of the storage on `db` (after its migrations ran). */
export function prepare(db: SqliteDatabase): Statements {
  return {
    insert: db.prepare(
      `INSERT INTO jobs (type, payload, priority, run_at, max_retries, dedupe_key, timeout_ms, manual, created_at, group_key, trace)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND state IN ('pending', 'processing') DO NOTHING
       RETURNING id`,
    ),
    insertPlain: db.prepare(`${INSERT_PLAIN} ${PLAIN_ROW}`),
    insertRows: ROW_CHUNKS.map((rows) => db.prepare(`${INSERT_PLAIN} ${Array<string>(rows).fill(PLAIN_ROW).join(', ')}`)),
    findDedupe: db.prepare(`SELECT id FROM jobs WHERE dedupe_key = ? AND state IN ('pending', 'processing')`),
    findHolder: db.prepare(
      `SELECT id, type, state, run_at, created_at FROM jobs WHERE dedupe_key = ? AND state IN ('pending', 'processing')`,
    ),
    debounce: db.prepare(
      `UPDATE jobs SET payload = @payload, group_key = @groupKey,
              run_at = MAX(run_at, MIN(@now + @ms, created_at + @maxWaitMs))
        WHERE id = @id AND state = 'pending'`,
    ),
    dropKey: db.prepare(`UPDATE jobs SET dedupe_key = NULL WHERE id = ?`),
    traceRange: db.prepare(`UPDATE jobs SET trace = ? WHERE id BETWEEN ? AND ?`),
    claims: new SqliteClaims(db),
    complete: db.prepare(`DELETE FROM jobs WHERE id = ? AND locked_by = ? AND state = 'processing'`),
    completeMany: db.prepare(`DELETE FROM jobs WHERE id IN (SELECT value FROM json_each(?)) AND locked_by = ? AND state = 'processing'`),
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
    postpone: db.prepare(
      `UPDATE jobs SET state = 'pending', attempts = MAX(0, attempts - 1), run_at = ?, last_error = ?,
              locked_by = NULL, locked_until = NULL
        WHERE id = ? AND locked_by = ? AND state = 'processing'`,
    ),
    extend: db.prepare(
      `UPDATE jobs SET locked_until = ? WHERE id = ? AND locked_by = ? AND state = 'processing'
       RETURNING cancel_requested`,
    ),
    expired: db.prepare(`SELECT * FROM jobs WHERE state = 'processing' AND locked_until < ?`),
    stallBack: db.prepare(`UPDATE jobs SET state = 'pending', stalls = stalls + 1, locked_by = NULL, locked_until = NULL WHERE id = ?`),
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
    // One seek on jobs_claim (type, priority, run_at, ...) per type and priority.
    minRunAt: db
      .prepare(
        `SELECT MIN((SELECT MIN(run_at) FROM jobs WHERE state = 'pending' AND type = t.value AND priority = p.value))
           FROM json_each(?) AS t, json_each('[${Array.from({ length: MAX_PRIORITY - MIN_PRIORITY + 1 }, (_, i) => MIN_PRIORITY + i).join(',')}]') AS p`,
      )
      .pluck(),
    counts: db.prepare(
      `SELECT type, state, (state = 'pending' AND run_at > ?) AS delayed, COUNT(*) AS n
         FROM jobs GROUP BY type, state, delayed`,
    ),
    pause: db.prepare(`INSERT INTO queue_pauses (type, paused_at) VALUES (?, ?) ON CONFLICT (type) DO NOTHING`),
    resume: db.prepare(`DELETE FROM queue_pauses WHERE type = ?`),
    pausedTypes: db.prepare(`SELECT type FROM queue_pauses ORDER BY type`).pluck(),
    announce: db.prepare(
      `INSERT INTO queue_workers (id, types, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET types = excluded.types, expires_at = excluded.expires_at`,
    ),
    pruneWorkers: db.prepare(`DELETE FROM queue_workers WHERE expires_at < ?`),
    retireWorker: db.prepare(`DELETE FROM queue_workers WHERE id = ?`),
    liveWorkers: db.prepare(`SELECT types FROM queue_workers WHERE expires_at >= ?`).pluck(),
  };
}
