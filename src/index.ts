/**
 * phaseq — embeddable, event-driven job queue and phase pipelines.
 * The public surface: re-exports only.
 */
export { JobQueue } from './queue/JobQueue.js';
export type { JobQueueOptions, StopOptions, CancelResult } from './queue/options.js';
export { Worker, type WorkerOptions } from './queue/Worker.js';
export {
  computeBackoff,
  exponentialBackoff,
  fixedBackoff,
  DEFAULT_BACKOFF,
  type BackoffOptions,
  type BackoffFunction,
} from './queue/backoff.js';
export {
  HandlerRegistry,
  type JobHandler,
  type JobContext,
  type JobEnqueuer,
  type RegisterOptions,
  type Registration,
  type GroupOptions,
} from './handlers/HandlerRegistry.js';
export { describeJobTypes, type JobTypeInfo, type RateLimitInfo } from './handlers/jobTypes.js';
export { definePlugin, type Plugin, type PluginDefinition, type PluginJob } from './plugins/definePlugin.js';
export { SQLiteJobQueueStorage, type SQLiteJobQueueStorageOptions } from './backends/sqlite/storage.js';
export { MemoryJobQueueStorage } from './backends/memory/storage.js';
export type * from './storage/types.js';
export { migrate, rollback, currentVersion, latestVersion, type Migration, type MigrationStep } from './db/migrate.js';
export {
  JOB_PRIORITY,
  MIN_PRIORITY,
  MAX_PRIORITY,
  MAX_JOB_DELAY_MS,
  stateAt,
  type Job,
  type JobInput,
  type JobPayloadMap,
  type JobPriority,
  type JobState,
  type KnownJobType,
  type PayloadOf,
  type QueueStats,
  type TypeStats,
} from './types.js';
export type { QueueEvents, QueueEventName, RemoteEventInfo } from './events.js';
export * from './phases/index.js';
export * from './scheduler/index.js';
export * from './settings/index.js';
export * from './metrics/index.js';
export {
  PhaseqError,
  ValidationError,
  UnknownJobTypeError,
  RegistrationError,
  UnrecoverableError,
  JobTimeoutError,
  JobCancelledError,
  StorageError,
  QueueStateError,
  MigrationError,
  NotFoundError,
  MissingDependencyError,
  isUnrecoverable,
  toError,
  type ValidationIssue,
} from './errors.js';
