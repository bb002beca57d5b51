import type { Migration } from '../migration.js';

/**
 * From workflow control to phase configuration, for installations of the old design:
 *
 * - drops `job_history` (a finished job leaves no row; events and logs are the record);
 * - deletes the `workflow.*` switches (every phase always runs now).
 *
 * The `phase.*` defaults it once inserted into every database are the media plugin's
 * phases: its first migration inserts them (media `001_media.ts`), so a database without
 * the plugin holds none. Databases migrated before that keep their rows.
 *
 * `down` recreates an empty `job_history` with the old design's columns so that an older
 * release can start again; the deleted history and switches are not restored (they are
 * gone), and the phase rows stay (an older release ignores them).
 */
export const phaseRefactorMigration: Migration = {
  version: 3,
  name: 'phase_refactor',
  up(db) {
    db.exec('DROP TABLE IF EXISTS job_history');
    // GLOB, not LIKE: LIKE ignores case and treats '_' as a wildcard.
    db.prepare(`DELETE FROM app_settings WHERE key GLOB 'workflow.*'`).run();
  },
  down(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS job_history (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id       INTEGER NOT NULL,
        type         TEXT    NOT NULL,
        priority     INTEGER NOT NULL,
        payload      TEXT    NOT NULL,
        status       TEXT    NOT NULL,
        error        TEXT,
        retry_count  INTEGER NOT NULL DEFAULT 0,
        created_at   TIMESTAMP NOT NULL,
        started_at   TIMESTAMP,
        completed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
        duration_ms  INTEGER
      );
      CREATE INDEX IF NOT EXISTS idx_job_history_type ON job_history (type);
      CREATE INDEX IF NOT EXISTS idx_job_history_completed ON job_history (completed_at);
    `);
  },
};
