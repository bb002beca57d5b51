/**
 * phaseq — embeddable, event-driven job queue and phase pipelines.
 * The public surface: re-exports only.
 */
export { JobQueue } from './JobQueue.js';
export type { JobQueueOptions, StopOptions, CancelResult } from './queue/options.js';
export { Worker, type WorkerOptions } from './queue/Worker.js';
export { parseRetryAfter } from './queue/retryAfter.js';
export {
  computeBackoff,
  exponentialBackoff,
  fixedBackoff,
  DEFAULT_BACKOFF,
  type BackoffOptions,
  type BackoffFunction,
} from './handlers/backoff.js';
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
export type * from './storage/claims.js';
export {
  migrate,
  rollback,
  currentVersion,
  latestVersion,
  migratePlugin,
  rollbackPlugin,
  pluginVersion,
  type MigrationSet,
  type MigrationStep,
} from './db/migrate.js';
export type { Migration } from './db/migration.js';
export { openSqlite, type SqliteSource, type OpenedSqlite } from './backends/sqlite/connection.js';
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
export { parseWithIssues, describeIssues, type ParseOutcome } from './validation.js';
// Phase configuration: the service, fed by the phases plugins register, and its helpers.
export {
  phaseDefaults,
  type PhaseConfigOf,
  type PhasePatchOf,
  type PhaseSchemas,
  type PhaseSettingKeyOf,
  type RegisteredPhaseSchemas,
} from './phases/phaseConfig.js';
export { PhaseConfigService, type PhaseConfigServiceOptions } from './phases/PhaseConfigService.js';
export type { PhaseConfigChange, PhaseConfigEvents } from './phases/events.js';
export { describePhases, type PhaseDescription, type PhaseFieldDescription } from './phases/describe.js';
export type { FieldKind } from './phases/fields.js';
export { workflowReplacements } from './phases/keys.js';
// The media plugin's phases, under the names phaseq always exported them by (also in
// phaseq/media). The module needs nothing of phaseq at run time.
export {
  DEFAULT_PHASE_CONFIG,
  MEDIA_PHASE_SCHEMAS,
  enrichmentConfigSchema,
  playerSyncConfigSchema,
  publishConfigSchema,
  scanConfigSchema,
  type EnrichmentConfig,
  type MediaPhaseSchemas,
  type PhaseConfiguration,
  type PhaseName,
  type PlayerSyncConfig,
  type PublishConfig,
  type ScanConfig,
} from './media/phases.js';
export { ISO_639_1_CODES, isIso6391 } from './media/languages.js';
export { ISO_3166_1_CODES, isIso3166Alpha2 } from './media/countries.js';
// Recurring jobs: the scheduler, its store contract and the SQLite and memory stores (Redis: phaseq/bullmq).
export {
  Scheduler,
  MIN_EVERY_MS,
  type ScheduleTrigger,
  type ScheduledJob,
  type ScheduleOptions,
  type ScheduleInfo,
  type SchedulerEvents,
  type SchedulerOptions,
} from './scheduler/Scheduler.js';
export { createScheduler, defaultScheduleStore, type CreateSchedulerOptions, type SchedulingQueue } from './scheduler/attach.js';
export type { IScheduleStore, StoredSchedule, ScheduleDefinition, UpsertResult } from './scheduler/ScheduleStore.js';
export { SQLiteScheduleStore, type SQLiteScheduleStoreOptions, type SharedSqliteStorage } from './backends/sqlite/scheduleStore.js';
export { MemoryScheduleStore } from './backends/memory/scheduleStore.js';
export { nextTickAfter, latestTickAtOrBefore } from './scheduler/ticks.js';
// Settings stores: the contract and its SQLite and memory backends (Redis: phaseq/bullmq).
export type { ISettingsStore, SettingsDeleteTarget, SettingsEntries } from './settings/types.js';
export { MemorySettingsStore, type MemorySettingsStoreOptions } from './backends/memory/settings.js';
export { SQLiteSettingsStore, type SQLiteSettingsStoreOptions } from './backends/sqlite/settings.js';
export { MAX_SETTING_KEY_LENGTH } from './settings/validate.js';
// Metrics of a queue without any metrics library: job outcomes, queue depth, recent history.
export { observeJobOutcomes, type JobOutcomeObserver, type JobEventSource } from './metrics/jobOutcomes.js';
export {
  queueDepthReader,
  QUEUE_DEPTH_STATES,
  type QueueDepthRow,
  type QueueDepthSource,
  type QueueDepthState,
} from './metrics/queueDepth.js';
export { QueueHistory, type QueueHistoryOptions, type QueueHistorySnapshot, type QueueHistorySource } from './metrics/QueueHistory.js';
export type { HistoryBucket, QueueDepthTotals } from './metrics/historyBuckets.js';
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
  RateLimitedError,
  isUnrecoverable,
  rateLimitedFor,
  toError,
  type ValidationIssue,
} from './errors.js';
