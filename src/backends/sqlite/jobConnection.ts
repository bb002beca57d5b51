/**
 * SqliteConnection: the connection under the SQLite storage, and everything about it that
 * is not a job operation — opening and migrating, the one transaction wrapper, retries
 * on BUSY, the guard that notices a deleted or replaced file (and reopens a restored one),
 * background checkpoints, and the watch that hears other processes' commits.
 *
 * The storage (sqlite.ts) runs job operations through `write`/`read`; this class decides
 * whether they can run at all.
 */
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { openSqlite, type SqliteSource } from './connection.js';
import { migrate } from '../../db/migrate.js';
import { PhaseqError, StorageError } from '../../errors.js';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import { SqliteFileGuard } from './fileGuard.js';
import { prepare, type Statements } from './statements.js';

/** What the connection needs: the storage's source and its checkpoint choice. */
export type SqliteConnectionOptions = SqliteSource & {
  /** See `SQLiteJobQueueStorageOptions.backgroundCheckpoints`. */
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

/** The connection of one SQLite storage. */
export class SqliteConnection {
  readonly #options: SqliteConnectionOptions;
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

  constructor(options: SqliteConnectionOptions) {
    this.#options = options;
  }

  /** The open database; throws the file-loss error while the file is lost. */
  get database(): SqliteDatabase {
    if (!this.#stmts) this.checkFile();
    if (!this.#db || !this.#stmts) throw this.#notOpen();
    return this.#db;
  }

  /** Opens the database (migrations, statements) and, on a file it opened, the checkpoint thread. Idempotent. */
  open(): void {
    if (this.#db) return;
    this.#use(this.#openDb());
  }

  /** Closes the connection (not a host's own) and stops the checkpoint thread. */
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

  /**
   * Calls `onChange` when another connection committed, or when a lost file came back
   * (see the storage's `watch`); looks for commits only while `wanted()`. Returns a
   * function that stops watching.
   */
  watch(onChange: () => void, intervalMs: number, wanted: () => boolean = () => true): () => void {
    let db = this.database;
    // A prepared statement: db.pragma() compiles its statement on every call.
    let probe = db.prepare('PRAGMA data_version').pluck();
    let last = probe.get() as number;
    let generation = this.#generation;
    const check = (): void => {
      if (!this.#db) return;
      this.checkFile();
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
      // Nobody to wake: skip the read. A commit missed meanwhile moved data_version, so
      // the next look made calls onChange once, and whoever it wakes claims and sees it.
      if (!wanted()) return;
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
  #openDb(path?: string): Opened {
    const source = path === undefined ? this.#options : { filename: path, busyTimeoutMs: this.#options.busyTimeoutMs };
    // The queue needs WAL even on a connection the host opened: claims and reads of
    // other processes must not block each other.
    const { db, owned, value } = openSqlite(
      source,
      (db) => {
        this.retryBusy(() => migrate(db));
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
  checkFile(): void {
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
          opened = this.#openDb(guard.path);
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

  /** The prepared statements; throws while the file is lost or the connection is closed. */
  statements(): Statements {
    if (!this.#stmts) {
      this.checkFile();
      if (!this.#stmts) throw this.#notOpen();
    }
    return this.#stmts;
  }

  /** Runs a write in one IMMEDIATE transaction, retrying while another process holds the lock. */
  write<T>(op: string, fn: (s: Statements) => T): T {
    const s = this.statements();
    const tx = this.#tx!;
    return this.wrap(op, () => this.retryBusy(() => tx.immediate(() => fn(s)) as T));
  }

  /** Runs a read, retrying while another process holds a lock SQLite reports without waiting. */
  read<T>(op: string, fn: (s: Statements) => T): T {
    const s = this.statements();
    return this.wrap(op, () => this.retryBusy(() => fn(s)));
  }

  /** Turns a driver error into a StorageError naming the operation. */
  wrap<T>(op: string, fn: () => T): T {
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
  retryBusy<T>(fn: () => T): T {
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
