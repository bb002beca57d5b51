/**
 * SqliteFileGuard: notices when the database file under an open SQLite connection is
 * deleted, moved away or replaced by another file.
 *
 * SQLite keeps working on an open file after it leaves its path: writes land in a file
 * no other process can find, and a process opening the path later creates a new, empty
 * database. The storage asks the guard, at most every {@link CHECK_EVERY_MS} (or sooner
 * after a file-system event), whether the file at the path is still the one it opened
 * (same device and inode), and stops using the connection while it is not.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { StorageError } from '../../errors.js';

/**
 * Longest time between two looks at the path while operations run. A look is one stat
 * (a few µs); a file-system event on the file asks for one at once. While the file is
 * lost every operation looks, so that work resumes the moment it is back; opening a
 * restored file is tried at most this often.
 */
export const CHECK_EVERY_MS = 100;

/**
 * What a look at the path asks of the storage.
 * - `ok`: the file is the one opened; carry on.
 * - `lost`: it is not (or not yet back); every operation must fail with {@link SqliteFileGuard.error}.
 * - `back`: the file opened is at the path again; resume on the same connection.
 * - `reopen`: a file appeared where the lost one was missing (a restore); open it anew.
 */
export type FileCheck = 'ok' | 'lost' | 'back' | 'reopen';

interface FileId {
  dev: bigint;
  ino: bigint;
}

/** The file at `path`, null when there is none, undefined when it cannot be told (e.g. no permission). */
function idAt(path: string): FileId | null | undefined {
  try {
    const st = statSync(path, { bigint: true, throwIfNoEntry: false });
    return st ? { dev: st.dev, ino: st.ino } : null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : undefined;
  }
}

function sameId(a: FileId | null | undefined, b: FileId | null): boolean {
  return !!a && !!b && a.dev === b.dev && a.ino === b.ino;
}

/**
 * Watches over the file of one open connection.
 *
 * @example
 * ```ts
 * const guard = SqliteFileGuard.of(db, true);      // null for an in-memory database
 * if (guard?.due()) {
 *   const what = guard.check();                  // 'ok' | 'lost' | 'back' | 'reopen'
 *   if (what === 'lost') throw guard.error();
 * }
 * ```
 */
export class SqliteFileGuard {
  /** Absolute path of the database file. */
  readonly path: string;
  readonly #file: FileId;
  /** The `-wal` and `-shm` files that belong to the file opened, as found when it was opened. */
  readonly #companions: { path: string; id: FileId | null }[];
  readonly #owned: boolean;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #flagged = false;
  #reopenTriedAt = Number.NEGATIVE_INFINITY;
  #lost: { message: string; reason: 'DATABASE_FILE_DELETED' | 'DATABASE_FILE_REPLACED' } | null = null;
  /** The path was seen empty since the file was lost: a file that appears there is a restore. */
  #gap = false;

  private constructor(path: string, file: FileId, owned: boolean) {
    this.path = path;
    this.#file = file;
    this.#owned = owned;
    // Captured once: an open connection keeps its -wal and -shm at their inodes (SQLite
    // deletes them only when the last connection closes).
    this.#companions = ['-wal', '-shm'].map((suffix) => ({ path: `${path}${suffix}`, id: idAt(`${path}${suffix}`) ?? null }));
  }

  /**
   * The guard of `db`'s file, or null when there is no file to watch over (in-memory or
   * temporary database, or a path that cannot be stat'ed). Call it right after opening.
   * `owned`: phaseq opened the connection, so it may close it and open a restored file.
   */
  static of(db: SqliteDatabase, owned: boolean): SqliteFileGuard | null {
    if (db.memory || db.name === '' || db.name === ':memory:') return null;
    const path = resolve(db.name);
    const file = idAt(path);
    return file ? new SqliteFileGuard(path, file, owned) : null;
  }

  /** Whether a look is due: the file is lost, one was asked for by {@link flag}, or the last is {@link CHECK_EVERY_MS} old. */
  due(now = performance.now()): boolean {
    return this.#lost !== null || this.#flagged || now - this.#checkedAt >= CHECK_EVERY_MS;
  }

  /** Asks for a look at the next {@link due} (a file-system event on the file). */
  flag(): void {
    this.#flagged = true;
  }

  /** True while the file is lost. */
  get lost(): boolean {
    return this.#lost !== null;
  }

  /** Looks at the path (one stat) and says what the storage must do. */
  check(now = performance.now()): FileCheck {
    this.#checkedAt = now;
    this.#flagged = false;
    const current = idAt(this.path);
    // Cannot tell (e.g. the directory became unreadable): keep the state we had rather
    // than fail writes on a guess; a connection that really lost its file fails on its own.
    if (current === undefined) return this.#lost ? 'lost' : 'ok';
    if (sameId(current, this.#file)) {
      if (!this.#lost) return 'ok';
      this.#lost = null;
      this.#gap = false;
      return 'back';
    }
    if (current === null) {
      this.#gap = true;
      this.#lose(
        'DATABASE_FILE_DELETED',
        `SQLite database file "${this.path}" was deleted or moved away while in use. Nothing more is ` +
          'written to it, so that no job is stored where no other process finds it. Put the file back ' +
          '(with its -wal and -shm files) and work resumes.',
      );
      return 'lost';
    }
    if (!this.#gap) {
      // Seen in place of ours with no gap: another queue's data, not a restore of ours.
      this.#lose(
        'DATABASE_FILE_REPLACED',
        `SQLite database file "${this.path}" was replaced by another file while in use. phaseq does not ` +
          'switch to another database by itself: put the original back, or restart the queue to use the new file.',
      );
      return 'lost';
    }
    if (!this.#owned) {
      this.#lose(
        'DATABASE_FILE_DELETED',
        `SQLite database file "${this.path}" was deleted while in use, and a new file is now at its path. ` +
          'phaseq does not reopen a connection the host opened: open the new file and create the storage again.',
      );
      return 'lost';
    }
    const stale = this.#companions.filter((c) => c.id !== null && sameId(idAt(c.path), c.id));
    if (stale.length > 0) {
      // SQLite would pair the new file with the old file's log and index: corruption.
      this.#lose(
        'DATABASE_FILE_DELETED',
        `SQLite database file "${this.path}" was deleted while in use, and a new file is now at its path, ` +
          `but ${stale.map((c) => `"${c.path}"`).join(' and ')} of the deleted file ${stale.length > 1 ? 'are' : 'is'} ` +
          'still beside it. Remove them (or put the original file back) and work resumes.',
      );
      return 'lost';
    }
    if (now - this.#reopenTriedAt < CHECK_EVERY_MS) return 'lost';
    this.#reopenTriedAt = now;
    return 'reopen';
  }

  /** Records that the file found at the path after a gap could not be opened; looks again later. */
  reopenFailed(error: unknown): void {
    this.#lose(
      'DATABASE_FILE_DELETED',
      `SQLite database file "${this.path}" was deleted while in use, and the file now at its path cannot be ` +
        `opened: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  /** The error every operation fails with while the file is lost (a new one each time, for its stack). */
  error(): StorageError {
    const lost = this.#lost;
    if (!lost) return new StorageError(`SQLite database file "${this.path}" is not open`);
    return new StorageError(lost.message, { reason: lost.reason });
  }

  #lose(reason: 'DATABASE_FILE_DELETED' | 'DATABASE_FILE_REPLACED', message: string): void {
    this.#lost = { reason, message };
  }
}
