/**
 * Every migration phaseq ships, in version order. A feature that needs tables adds one
 * file here with the next number; numbers are never reused or reordered. The runner
 * applies them in ascending order and does not need the numbers to be contiguous.
 */
import type { Migration } from '../migrate.js';
import { jobsMigration } from './001_jobs.js';
import { appSettingsMigration } from './002_app_settings.js';
import { phaseRefactorMigration } from './003_phase_refactor.js';
import { mediaMigration } from '../../media/db/004_media.js';
import { schedulesMigration } from './005_schedules.js';
import { playerSyncMigration } from '../../media/db/006_player_sync.js';
import { queueControlsMigration } from './007_queue_controls.js';
import { tvMigration } from '../../media/db/008_tv.js';
import { rateLimitsMigration } from './009_rate_limits.js';
import { debounceTracesMigration } from './010_debounce_traces.js';

export const ALL_MIGRATIONS: readonly Migration[] = [
  jobsMigration,
  appSettingsMigration,
  phaseRefactorMigration,
  mediaMigration,
  schedulesMigration,
  playerSyncMigration,
  queueControlsMigration,
  tvMigration,
  rateLimitsMigration,
  debounceTracesMigration,
];
