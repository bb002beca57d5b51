/**
 * Opens what a command works on, from its options: the SQLite file (`--db`, created with
 * its folder when missing and brought up to date by the migrations), the job queue on
 * it, the phase configuration in the same file, and the `--plugin` modules registered
 * on the queue. One connection serves the queue, the settings and the media tables.
 */
import { MEDIA_PHASE_SCHEMAS } from '../../media/phases.js';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { Logger } from 'pino';
import { StorageError } from '../../errors.js';
import { PhaseConfigService } from '../../phases/PhaseConfigService.js';
import { JobQueue } from '../../JobQueue.js';
import { SQLiteSettingsStore } from '../../backends/sqlite/settings.js';
import { SQLiteJobQueueStorage } from '../../backends/sqlite/storage.js';
import { loadPlugins } from './plugins.js';

/** Default of `--db`. */
export const DEFAULT_DB_FILE = './data/phaseq.db';

/** Options of {@link openContext}. */
export interface ContextOptions {
  /** Database file (`--db`). */
  db: string;
  logger: Logger;
  /** Plugin modules to register (`--plugin`). @default [] */
  plugins?: readonly string[];
  /** Worker loops, for commands that start the queue. @default the storage's default */
  concurrency?: number;
  /** Retries after the first attempt, for jobs whose type does not say. @default the queue's */
  maxRetries?: number;
  /** Keep finally-failed jobs as `failed`. @default false */
  retainFailed?: boolean;
}

/** What a command works on. */
export interface CliContext {
  /** Absolute path of the database file. */
  readonly dbFile: string;
  readonly database: SqliteDatabase;
  readonly queue: JobQueue;
  readonly phases: PhaseConfigService;
  readonly logger: Logger;
  /** Stops the queue (waiting up to `timeoutMs` for running jobs) and closes the database. */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Opens a database file for a command, creating the folder when missing.
 *
 * @throws StorageError when the file cannot be created or opened
 */
export function openDatabase(file: string): { dbFile: string; database: SqliteDatabase } {
  const dbFile = file === ':memory:' ? file : path.resolve(file);
  try {
    if (dbFile !== ':memory:') mkdirSync(path.dirname(dbFile), { recursive: true });
    return { dbFile, database: new Database(dbFile) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StorageError(`Cannot open database ${dbFile}: ${reason}`, { cause: error });
  }
}

/** Opens the database, the queue (not started) and the phase settings, and registers the plugins. */
export async function openContext(options: ContextOptions): Promise<CliContext> {
  const { dbFile, database } = openDatabase(options.db);
  let closed = false;
  try {
    const storage = new SQLiteJobQueueStorage({ database });
    await storage.init();
    // The media phases, for `phaseq config` and `scan` (the media plugin declares the same
    // schemas again at use(): harmless); a --plugin adds its own phases at use().
    const phases = new PhaseConfigService({ store: new SQLiteSettingsStore({ database }), phases: { ...MEDIA_PHASE_SCHEMAS } });
    const queue = new JobQueue({
      storage,
      phases,
      logger: options.logger,
      concurrency: options.concurrency,
      maxRetries: options.maxRetries,
      retainFailed: options.retainFailed,
    });
    for (const plugin of await loadPlugins(options.plugins ?? [])) await queue.use(plugin);
    return {
      dbFile,
      database,
      queue,
      phases,
      logger: options.logger,
      async close(timeoutMs = 10_000) {
        if (closed) return;
        closed = true;
        try {
          await queue.stop({ timeoutMs });
          await phases.close();
        } finally {
          database.close();
        }
      },
    };
  } catch (error) {
    database.close();
    throw error;
  }
}
