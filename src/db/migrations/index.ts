/**
 * The core's migrations, in version order. A core feature that needs tables adds one
 * file here with the next free number and appends it to the list; numbers are never
 * reused or reordered. Plugins bring their own sets (see `MigrationSet`).
 */
import type { Migration } from '../migration.js';
import { jobsMigration } from './001_jobs.js';
import { appSettingsMigration } from './002_app_settings.js';
import { phaseRefactorMigration } from './003_phase_refactor.js';
import { schedulesMigration } from './005_schedules.js';
import { queueControlsMigration } from './007_queue_controls.js';
import { rateLimitsMigration } from './009_rate_limits.js';
import { debounceTracesMigration } from './010_debounce_traces.js';

export const CORE_MIGRATIONS: readonly Migration[] = [
  jobsMigration,
  appSettingsMigration,
  phaseRefactorMigration,
  schedulesMigration,
  queueControlsMigration,
  rateLimitsMigration,
  debounceTracesMigration,
];

/**
 * Numbers of the old single list that were the media plugin's (4 media, 6 player_sync,
 * 8 tv): the core never uses them again, and a database that still records them is not
 * taken for a newer one. The media plugin's own set takes those rows over.
 */
export const RETIRED_CORE_VERSIONS: readonly number[] = [4, 6, 8];
