/**
 * SQLiteSettingsStore: settings in the `app_settings` table of a SQLite file, usually
 * the same file as the job queue (pass the queue's open database, or the same filename).
 *
 * The change token is the point of this class. `PhaseConfigService` asks for it before
 * every cached read, i.e. once per job, so it must not read the settings table:
 * - `PRAGMA data_version` changes only when *another* connection commits, and reading it
 *   touches no table; `total_changes()` counts this connection's own writes (the host may
 *   write `app_settings` through the very connection it shared with us) and costs
 *   nothing. Both are prepared once.
 * - Only when one of them moved do we read the one-row `settings_version` counter, which
 *   triggers bump on every change to `app_settings` (migration 2). The jobs table changes
 *   all the time; the counter tells those commits apart from settings changes, so a busy
 *   queue does not make the settings cache reload.
 */
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type { SqliteSource } from './connection.js';
import { FileBoundSqlite } from './fileBoundSqlite.js';
import { PhaseqError, StorageError, ValidationError } from '../../errors.js';
import { migrate } from '../../db/migrate.js';
import type { ISettingsStore, SettingsDeleteTarget, SettingsEntries } from '../../settings/types.js';
import { normalizeDeleteTarget, normalizeEntries, normalizePrefix } from '../../settings/validate.js';

/** Options of {@link SQLiteSettingsStore}: a file to open (may be the queue's), or a database the host opened. */
export type SQLiteSettingsStoreOptions = SqliteSource;

interface Statements {
  dataVersion: Statement;
  totalChanges: Statement;
  version: Statement;
  all: Statement;
  byGlob: Statement;
  upsert: Statement;
  deleteKey: Statement;
  deleteGlob: Statement;
}

/** What one connection holds: its statements and the last change-token probe taken on it. */
interface Connection {
  s: Statements;
  lastProbe: { d: number; t: number } | null;
}

/** Escapes GLOB's wildcards so that a prefix matches literally (`[*]` is a literal `*`). */
function globPrefix(prefix: string): string {
  return `${prefix.replace(/[*?[]/g, (c) => `[${c}]`)}*`;
}

/**
 * The SQLite settings store.
 *
 * @example
 * ```ts
 * const storage = new SQLiteJobQueueStorage({ filename: './data/phaseq.db' });
 * await storage.init();
 * const store = new SQLiteSettingsStore({ database: storage.database });
 * const phases = new PhaseConfigService({ store });
 * ```
 */
export class SQLiteSettingsStore implements ISettingsStore {
  readonly name = 'sqlite';
  readonly #conn: FileBoundSqlite<Connection>;
  #token = '';

  constructor(options: SQLiteSettingsStoreOptions) {
    if (!options || (options.filename === undefined && options.database === undefined)) {
      throw new ValidationError('SQLiteSettingsStore needs { filename } or { database }', [
        { path: 'filename', message: 'required when no database is given' },
      ]);
    }
    // Bound to its file: while the file is deleted, moved or replaced, every call fails
    // with a StorageError instead of saving settings where no process would find them.
    this.#conn = new FileBoundSqlite(
      options,
      (db) => {
        migrate(db);
        return { s: prepare(db), lastProbe: null };
      },
      'SQLite settings store',
    );
  }

  /**
   * The open database (after `init`).
   * @throws StorageError when not open, or while its file is lost.
   */
  get database(): SqliteDatabase {
    return this.#conn.get().db;
  }

  async init(): Promise<void> {
    this.#conn.open();
  }

  async close(): Promise<void> {
    this.#conn.close();
  }

  async getAll(prefix?: string): Promise<Map<string, string>> {
    const p = normalizePrefix(prefix);
    const { s } = this.#statements();
    const rows = this.#wrap('getAll', () => (p === '' ? s.all.all() : s.byGlob.all(globPrefix(p))) as { key: string; value: string }[]);
    return new Map(rows.map((r) => [r.key, r.value]));
  }

  async setMany(entries: SettingsEntries): Promise<void> {
    const pairs = normalizeEntries(entries);
    if (pairs.length === 0) return;
    const {
      db,
      value: { s },
    } = this.#conn.get();
    const now = Date.now();
    this.#wrap('setMany', () =>
      db
        .transaction(() => {
          for (const [key, value] of pairs) s.upsert.run(key, value, now);
        })
        .immediate(),
    );
  }

  async deleteMany(target: SettingsDeleteTarget): Promise<number> {
    const t = normalizeDeleteTarget(target);
    const {
      db,
      value: { s },
    } = this.#conn.get();
    return this.#wrap('deleteMany', () =>
      db
        .transaction(() => {
          if ('prefix' in t) return s.deleteGlob.run(globPrefix(t.prefix)).changes;
          let n = 0;
          for (const key of t.keys) n += s.deleteKey.run(key).changes;
          return n;
        })
        .immediate(),
    );
  }

  async changeToken(): Promise<string> {
    const conn = this.#statements();
    const { s } = conn;
    return this.#wrap('changeToken', () => {
      const probe = { d: s.dataVersion.get() as number, t: s.totalChanges.get() as number };
      const last = conn.lastProbe;
      if (last === null || last.d !== probe.d || last.t !== probe.t) {
        // Read the counter before remembering the probe: if the read fails, the next
        // call probes again instead of trusting a token it never refreshed.
        const row = s.version.get() as { version: number } | undefined;
        if (!row) throw new StorageError('settings_version row is missing: the database was not migrated');
        this.#token = String(row.version);
        conn.lastProbe = probe;
      }
      return this.#token;
    });
  }

  #statements(): Connection {
    return this.#conn.get().value;
  }

  #wrap<T>(op: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof PhaseqError) throw error;
      throw new StorageError(`SQLite settings ${op} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
}

function prepare(db: SqliteDatabase): Statements {
  return {
    // Two plain statements: measurably cheaper than one query over pragma_data_version.
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    totalChanges: db.prepare('SELECT total_changes()').pluck(),
    version: db.prepare('SELECT version FROM settings_version WHERE id = 1'),
    all: db.prepare('SELECT key, value FROM app_settings ORDER BY key'),
    byGlob: db.prepare('SELECT key, value FROM app_settings WHERE key GLOB ? ORDER BY key'),
    // The WHERE makes an unchanged value a no-op: no row change, no trigger, no new token.
    upsert: db.prepare(
      `INSERT INTO app_settings (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
       WHERE app_settings.value IS NOT excluded.value`,
    ),
    deleteKey: db.prepare('DELETE FROM app_settings WHERE key = ?'),
    deleteGlob: db.prepare('DELETE FROM app_settings WHERE key GLOB ?'),
  };
}
