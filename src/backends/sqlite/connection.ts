/**
 * Opening the SQLite database phaseq shares with its host: one place that applies the
 * settings every phaseq connection relies on, and that turns failures into a clear
 * StorageError naming the file. The queue storage, the settings store, the schedule
 * store and the media plugin all open their connection here.
 */
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { PhaseqError, StorageError } from '../../errors.js';

/** A database to open by file name, or one the host already opened (the host keeps ownership). */
export type SqliteSource = (
  | {
      /** Path of the database file (created when missing). Several phaseq parts may share one file. */
      filename: string;
      database?: undefined;
    }
  | {
      /** An open better-sqlite3 database; the host keeps ownership (phaseq never closes it). */
      database: SqliteDatabase;
      filename?: undefined;
    }
) & {
  /**
   * How long a write waits for another process's lock before failing.
   * @default 5000
   */
  busyTimeoutMs?: number;
};

/** An open connection, whether phaseq opened it (and so must close it), and what `setup` returned. */
export interface OpenedSqlite<T> {
  db: SqliteDatabase;
  owned: boolean;
  value: T;
}

/**
 * Opens `source`, applies busy_timeout and (on a connection it opened, or when `wal` is
 * 'always') WAL with synchronous=NORMAL, then runs `setup` (migrations, statements).
 * On any failure a connection opened here is closed again and the error names the file.
 * With `mustExist`, a missing file is an error instead of a new, empty database.
 *
 * @example
 * ```ts
 * const { db, owned } = openSqlite({ filename: './data/phaseq.db' }, (db) => migrate(db));
 * ```
 */
export function openSqlite<T>(
  source: SqliteSource,
  setup: (db: SqliteDatabase) => T,
  options: { wal?: 'owned' | 'always'; mustExist?: boolean } = {},
): OpenedSqlite<T> {
  const owned = source.database === undefined;
  let db: SqliteDatabase;
  try {
    db = source.database ?? new Database(source.filename, { fileMustExist: options.mustExist === true });
  } catch (error) {
    throw new StorageError(`Cannot open SQLite database "${source.filename}": ${String(error)}`, { cause: error });
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(source.busyTimeoutMs ?? 5000))}`);
    // WAL lets readers and the writer work at once across processes; a host that passed
    // its own connection chose its own journal unless phaseq cannot work without WAL.
    if (owned || options.wal === 'always') {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    return { db, owned, value: setup(db) };
  } catch (error) {
    if (owned) db.close();
    if (error instanceof PhaseqError) throw error;
    throw new StorageError(`Cannot use SQLite database "${source.filename ?? db.name}": ${String(error)}`, {
      cause: error,
    });
  }
}
