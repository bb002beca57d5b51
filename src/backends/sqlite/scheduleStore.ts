/**
 * SQLiteScheduleStore: schedules in the `schedules` table (migration 5) of the queue's
 * database, so every process sharing the file shares the schedules.
 *
 * `advance` is one compare-and-set UPDATE inside an IMMEDIATE transaction: the write lock
 * is taken before the row is read, so two processes that both saw a tick due serialise,
 * and the second one's `WHERE next_run_at = ?` matches nothing.
 */
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { FileBoundSqlite } from './fileBoundSqlite.js';
import { migrate } from '../../db/migrate.js';
import { ValidationError } from '../../errors.js';
import {
  sameDefinition,
  type IScheduleStore,
  type ScheduleDefinition,
  type StoredSchedule,
  type UpsertResult,
} from '../../scheduler/ScheduleStore.js';

/** A job storage whose database the store can share (e.g. `SQLiteJobQueueStorage`). */
export interface SharedSqliteStorage {
  init(): Promise<void>;
  /** The open database; read on every call, because the storage reopens it after a restart. */
  readonly database: SqliteDatabase;
}

/** Options of {@link SQLiteScheduleStore}: a storage to share, an open database, or a file. */
export type SQLiteScheduleStoreOptions =
  | { storage: SharedSqliteStorage; database?: undefined; filename?: undefined }
  | { database: SqliteDatabase; storage?: undefined; filename?: undefined }
  | { filename: string; storage?: undefined; database?: undefined };

interface ScheduleRow {
  name: string;
  cron: string | null;
  every_ms: number | null;
  tz: string | null;
  catch_up: number;
  job_type: string;
  payload: string;
  priority: number;
  last_tick: number | null;
  next_run_at: number;
  created_at: number;
  updated_at: number;
}

function toSchedule(row: ScheduleRow): StoredSchedule {
  return {
    name: row.name,
    cron: row.cron,
    everyMs: row.every_ms,
    tz: row.tz,
    catchUp: row.catch_up === 1,
    jobType: row.job_type,
    payloadJson: row.payload,
    priority: row.priority,
    lastTick: row.last_tick,
    nextRunAt: row.next_run_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * The SQLite schedule store.
 *
 * @example
 * ```ts
 * const storage = new SQLiteJobQueueStorage({ filename: './data/phaseq.db' });
 * const store = new SQLiteScheduleStore({ storage });
 * ```
 */
export class SQLiteScheduleStore implements IScheduleStore {
  readonly name = 'sqlite';
  /** The storage shared, or the connection of a `database` or `filename` store, bound to its file (a storage checks its own). */
  readonly #from: SharedSqliteStorage | FileBoundSqlite<void>;

  constructor(options: SQLiteScheduleStoreOptions) {
    if (!options || (!options.storage && !options.database && typeof options.filename !== 'string')) {
      throw new ValidationError('SQLiteScheduleStore needs { storage }, { database } or { filename }', [
        { path: 'storage', message: 'give a job storage, an open database or a filename' },
      ]);
    }
    const migrateOnly = (db: SqliteDatabase): void => void migrate(db);
    this.#from = options.storage
      ? options.storage
      : new FileBoundSqlite(
          options.database ? { database: options.database } : { filename: options.filename },
          migrateOnly,
          'SQLiteScheduleStore',
        );
  }

  get #db(): SqliteDatabase {
    return this.#from instanceof FileBoundSqlite ? this.#from.get().db : this.#from.database;
  }

  async init(): Promise<void> {
    // A storage's init applies every migration, the schedules table included.
    if (this.#from instanceof FileBoundSqlite) this.#from.open();
    else await this.#from.init();
  }

  /** Closes the database when this store opened it (`filename`). */
  close(): void {
    if (this.#from instanceof FileBoundSqlite) this.#from.close();
  }

  async upsert(def: ScheduleDefinition, firstRunAt: number, now: number): Promise<UpsertResult> {
    const db = this.#db;
    return db
      .transaction((): UpsertResult => {
        const row = db.prepare('SELECT * FROM schedules WHERE name = ?').get(def.name) as ScheduleRow | undefined;
        if (row && sameDefinition(toSchedule(row), def)) return 'unchanged';
        const values = [def.cron, def.everyMs, def.tz, def.catchUp ? 1 : 0, def.jobType, def.payloadJson, def.priority];
        if (row) {
          db.prepare(
            `UPDATE schedules SET cron = ?, every_ms = ?, tz = ?, catch_up = ?, job_type = ?, payload = ?, priority = ?,
               next_run_at = ?, updated_at = ? WHERE name = ?`,
          ).run(...values, firstRunAt, now, def.name);
          return 'updated';
        }
        db.prepare(
          `INSERT INTO schedules (name, cron, every_ms, tz, catch_up, job_type, payload, priority, last_tick, next_run_at, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)`,
        ).run(def.name, ...values, firstRunAt, now, now);
        return 'created';
      })
      .immediate();
  }

  async remove(name: string): Promise<boolean> {
    return this.#db.prepare('DELETE FROM schedules WHERE name = ?').run(name).changes > 0;
  }

  async get(name: string): Promise<StoredSchedule | null> {
    const row = this.#db.prepare('SELECT * FROM schedules WHERE name = ?').get(name) as ScheduleRow | undefined;
    return row ? toSchedule(row) : null;
  }

  async list(): Promise<StoredSchedule[]> {
    return (this.#db.prepare('SELECT * FROM schedules ORDER BY name').all() as ScheduleRow[]).map(toSchedule);
  }

  async advance(name: string, expectedNextRunAt: number, tick: number | null, nextRunAt: number, now: number): Promise<boolean> {
    const db = this.#db;
    return db
      .transaction(
        () =>
          db
            .prepare(
              `UPDATE schedules SET next_run_at = ?, last_tick = COALESCE(?, last_tick), updated_at = ?
               WHERE name = ? AND next_run_at = ?`,
            )
            .run(nextRunAt, tick, now, name, expectedNextRunAt).changes === 1,
      )
      .immediate();
  }
}
