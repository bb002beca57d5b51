/**
 * Every migration phaseq ships, in version order. A feature that needs tables adds one
 * file here with the next number; numbers are never reused or reordered.
 */
import type { Migration } from '../migrate.js';
import { jobsMigration } from './001_jobs.js';

export const ALL_MIGRATIONS: readonly Migration[] = [
  jobsMigration,
  // 2: app_settings (phase configuration)
  // 3: phase refactor (drops job_history and workflow.* settings)
  // 4: media library tables
  // 5: schedules
];
