/**
 * FileBoundSqlite: a SQLite connection that stays bound to its file, for the stores that
 * open their own connection (settings, schedules).
 *
 * SQLite keeps working on an open file after it leaves its path, so a setting saved after
 * the file was deleted would be "saved" where no process finds it. Before each operation,
 * when a look is due, the file guard checks that the file at the path is still the one
 * opened. While it is not, every operation fails with the guard's `StorageError` (reason
 * `DATABASE_FILE_DELETED` or `DATABASE_FILE_REPLACED`) and nothing is written. When the
 * file comes back the connection is used again; a file restored at the path after a gap
 * is opened anew (only when this class opened the connection). The job storage has its
 * own, richer version of this loop (it also parks statements and restarts checkpoints).
 */
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { SqliteFileGuard } from './fileGuard.js';
import { StorageError } from '../../errors.js';
import { openSqlite, type OpenedSqlite, type SqliteSource } from './connection.js';

/**
 * One connection, opened on {@link open}, checked against its file on every {@link get}.
 *
 * @example
 * ```ts
 * const conn = new FileBoundSqlite({ filename: './data/phaseq.db' }, (db) => prepare(db), 'settings store');
 * conn.open();
 * const { db, value: statements } = conn.get(); // throws a StorageError while the file is lost
 * ```
 */
export class FileBoundSqlite<T> {
  readonly #source: SqliteSource;
  readonly #setup: (db: SqliteDatabase) => T;
  readonly #what: string;
  #opened: OpenedSqlite<T> | null = null;
  #guard: SqliteFileGuard | null = null;

  /**
   * @param source the file to open, or a database the host opened (never closed or reopened here)
   * @param setup runs on every connection opened (migrations, prepared statements)
   * @param what names the owner in the "not open" error, e.g. `'SQLite settings store'`
   */
  constructor(source: SqliteSource, setup: (db: SqliteDatabase) => T, what: string) {
    this.#source = source;
    this.#setup = setup;
    this.#what = what;
  }

  /** Opens the connection and the guard of its file. Idempotent. */
  open(): void {
    if (this.#opened) return;
    this.#use(openSqlite(this.#source, this.#setup));
  }

  /**
   * The open connection and what `setup` returned for it (a new value after a restored
   * file was reopened).
   * @throws StorageError when not open, or while the file is deleted, moved or replaced.
   */
  get(): OpenedSqlite<T> {
    const guard = this.#guard;
    if (guard?.due()) {
      switch (guard.check()) {
        case 'ok':
        case 'back':
          break;
        case 'lost':
          throw guard.error();
        case 'reopen':
          if (!this.#reopen(guard)) throw guard.error();
          break;
      }
    }
    if (!this.#opened) throw new StorageError(`${this.#what} is not open: call init() first`);
    return this.#opened;
  }

  /** Closes the connection if this class opened it. */
  close(): void {
    const opened = this.#opened;
    this.#opened = null;
    this.#guard = null;
    if (opened?.owned) opened.db.close();
  }

  /** Opens the file restored at the path in place of the lost one; false when it cannot be opened (yet). */
  #reopen(guard: SqliteFileGuard): boolean {
    let opened: OpenedSqlite<T>;
    try {
      // Never create an empty database in place of the lost one.
      opened = openSqlite({ filename: guard.path, busyTimeoutMs: this.#source.busyTimeoutMs }, this.#setup, { mustExist: true });
    } catch (error) {
      guard.reopenFailed(error);
      return false;
    }
    // The old connection only held the lost file.
    this.#opened?.db.close();
    this.#use(opened);
    return true;
  }

  #use(opened: OpenedSqlite<T>): void {
    this.#opened = opened;
    this.#guard = SqliteFileGuard.of(opened.db, opened.owned);
  }
}
