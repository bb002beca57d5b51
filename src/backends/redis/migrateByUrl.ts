/**
 * migrateStorageByUrl: `migrateStorage` from two location strings, as the
 * `phaseq migrate-storage --from sqlite:./data/phaseq.db --to redis://127.0.0.1:6379/0`
 * command takes them. It opens the job storage and the settings store at each end,
 * migrates, and closes what it opened, so the command stays a thin translation of argv.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ValidationError } from '../../errors.js';
import { RedisSettingsStore } from './settings.js';
import { SQLiteSettingsStore } from '../sqlite/settings.js';
import type { ISettingsStore } from '../../settings/types.js';
import { BullMQJobQueueStorage } from './storage.js';
import { migrateStorage, type MigrateStorageOptions, type MigrateStorageReport } from '../../storage/migrateStorage.js';
import { SQLiteJobQueueStorage } from '../sqlite/storage.js';

/** Options of {@link migrateStorageByUrl}. */
export interface MigrateStorageByUrlOptions extends Pick<MigrateStorageOptions, 'keepSource' | 'batchSize' | 'onProgress'> {
  /**
   * Names the source in the target's import record (see `migrateStorage`).
   * @default `sqlite:<absolute path of the file>`
   */
  sourceLabel?: string;
  /** Where the queue is now: `sqlite:<path>` (e.g. `sqlite:./data/phaseq.db`). */
  from: string;
  /** Where it goes: `redis://[user:password@]host[:port][/db]` or `rediss://…`. */
  to: string;
  /**
   * Key prefix on Redis, as the workers will use it.
   * @default 'phaseq'
   */
  prefix?: string;
  /**
   * Queue name on Redis, as the workers will use it.
   * @default 'jobs'
   */
  queueName?: string;
}

/** Path of a `sqlite:` location, or null when it is not one. */
function sqlitePath(location: string): string | null {
  const m = /^sqlite:(?:\/\/)?(.+)$/.exec(location);
  return m?.[1] ?? null;
}

function isRedisUrl(location: string): boolean {
  return /^rediss?:\/\/[^\s]+$/.test(location);
}

/**
 * Moves the jobs and settings from a SQLite file to Redis (see {@link migrateStorage}).
 *
 * @example
 * ```ts
 * const report = await migrateStorageByUrl({ from: 'sqlite:./data/phaseq.db', to: 'redis://127.0.0.1:6379/0' });
 * ```
 * @throws ValidationError for a location that is not `sqlite:<path>` / `redis://…`.
 * @throws QueueStateError while workers hold jobs on the source.
 */
export async function migrateStorageByUrl(options: MigrateStorageByUrlOptions): Promise<MigrateStorageReport> {
  const file = sqlitePath(options.from ?? '');
  const issues = [
    ...(file === null ? [{ path: 'from', message: 'must be sqlite:<path to the database file>' }] : []),
    ...(isRedisUrl(options.to ?? '') ? [] : [{ path: 'to', message: 'must be a redis://host:port/db (or rediss://) URL' }]),
  ];
  if (file === null || issues.length > 0) {
    throw new ValidationError(`Invalid migration locations: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
  }
  const prefix = options.prefix ?? 'phaseq';
  const source = new SQLiteJobQueueStorage({ filename: file });
  const target = new BullMQJobQueueStorage({ connection: options.to, prefix, queueName: options.queueName });
  const opened: { close(): Promise<void> }[] = [];
  try {
    // The SQLite file must exist: migrating from a mistyped path would create an empty
    // database and report "0 jobs moved" instead of the mistake.
    if (!existsSync(file)) {
      throw new ValidationError(`No database at ${file}`, [{ path: 'from', message: 'file does not exist' }]);
    }
    await source.init();
    opened.push(source);
    const sourceSettings: ISettingsStore = new SQLiteSettingsStore({ database: source.database });
    await sourceSettings.init();
    opened.push(sourceSettings);
    await target.init();
    opened.push(target);
    const targetSettings = new RedisSettingsStore({ connection: target.redis, prefix });
    await targetSettings.init();
    opened.push(targetSettings);
    return await migrateStorage({
      from: { storage: source, settings: sourceSettings },
      to: { storage: target, settings: targetSettings },
      keepSource: options.keepSource,
      batchSize: options.batchSize,
      // The file's absolute path names the source, so that two files migrated into one
      // Redis never mistake each other's jobs for already moved.
      sourceLabel: options.sourceLabel ?? `sqlite:${resolve(file)}`,
      onProgress: options.onProgress,
    });
  } finally {
    for (const store of opened.reverse()) await store.close();
  }
}
