/**
 * `phaseq/bullmq`: the Redis backend, for installs that outgrow one machine. Needs the
 * optional peer dependencies `ioredis` and `bullmq`.
 *
 * @example
 * ```ts
 * import { JobQueue, PhaseConfigService } from 'phaseq';
 * import { BullMQJobQueueStorage, RedisSettingsStore } from 'phaseq/bullmq';
 * const connection = 'redis://127.0.0.1:6379/0';
 * const queue = new JobQueue({ storage: new BullMQJobQueueStorage({ connection }), registry });
 * const phases = new PhaseConfigService({ store: new RedisSettingsStore({ connection }) });
 * ```
 */
export { BullMQJobQueueStorage, type BullMQJobQueueStorageOptions, type StorageJobEvent } from './backends/redis/storage.js';
export type { ImportedJob, ImportResult } from './storage/types.js';
export type { RedisConnection } from './backends/redis/connection.js';
export { RedisSettingsStore, type RedisSettingsStoreOptions } from './backends/redis/settings.js';
export { RedisScheduleStore, type RedisScheduleStoreOptions, type SharedRedisStorage } from './backends/redis/scheduleStore.js';
export { migrateStorage, type JobImportTarget, type MigrateStorageOptions, type MigrateStorageReport } from './storage/migrateStorage.js';
export { migrateStorageByUrl, type MigrateStorageByUrlOptions } from './backends/redis/migrateByUrl.js';
