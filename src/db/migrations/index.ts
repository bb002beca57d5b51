/**
 * Every migration phaseq ships, in version order. A feature that needs tables adds one
 * file here with the next number; numbers are never reused or reordered.
 */
import type { Migration } from '../migrate.js';
import { jobsMigration } from './001_jobs.js';
import { appSettingsMigration } from './002_app_settings.js';
import { phaseRefactorMigration } from './003_phase_refactor.js';
import { mediaMigration } from '../../media/migrations/001_media.js';
import { schedulesMigration } from './005_schedules.js';
import { playerSyncMigration } from '../../media/migrations/002_player_sync.js';
import { queueControlsMigration } from './007_queue_controls.js';
import { tvMigration } from '../../media/migrations/003_tv.js';

export const ALL_MIGRATIONS: readonly Migration[] = [
  jobsMigration,
  appSettingsMigration,
  phaseRefactorMigration,
  mediaMigration,
  schedulesMigration,
  playerSyncMigration,
  queueControlsMigration,
  tvMigration,
];
