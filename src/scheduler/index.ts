/**
 * Recurring jobs: the scheduler, its store contract and the SQLite and memory stores.
 * The Redis store (`RedisScheduleStore`) is in `phaseq/bullmq`: it needs ioredis.
 */
export {
  Scheduler,
  MIN_EVERY_MS,
  type ScheduleTrigger,
  type ScheduledJob,
  type ScheduleOptions,
  type ScheduleInfo,
  type SchedulerEvents,
  type SchedulerOptions,
} from './Scheduler.js';
export { createScheduler, defaultScheduleStore, type CreateSchedulerOptions } from './attach.js';
export type { IScheduleStore, StoredSchedule, ScheduleDefinition, UpsertResult } from './ScheduleStore.js';
export { SQLiteScheduleStore, type SQLiteScheduleStoreOptions, type SharedSqliteStorage } from '../backends/sqlite/scheduleStore.js';
export { MemoryScheduleStore } from '../backends/memory/scheduleStore.js';
export { nextTickAfter, latestTickAtOrBefore } from './ticks.js';
