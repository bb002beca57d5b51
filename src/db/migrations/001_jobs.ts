import type { Migration } from '../migration.js';

/**
 * The jobs table. There is no history table by design: a completed job's row is deleted,
 * and so is a finally-failed one unless the queue retains dead-letters (state 'failed').
 *
 * - AUTOINCREMENT so that ids of deleted jobs are never reused (a stale id must not name
 *   a different job).
 * - `jobs_ready` is partial on pending rows and ordered like the claim query, so a claim
 *   reads the first rows of one index whatever the queue depth.
 * - `jobs_dedupe` makes a dedupe key unique among live (pending/processing) jobs only.
 */
export const jobsMigration: Migration = {
  version: 1,
  name: 'jobs',
  up(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS jobs (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        type             TEXT    NOT NULL,
        payload          TEXT    NOT NULL,
        state            TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'processing', 'failed')),
        priority         INTEGER NOT NULL DEFAULT 5,
        run_at           INTEGER NOT NULL,
        attempts         INTEGER NOT NULL DEFAULT 0,
        max_retries      INTEGER NOT NULL DEFAULT 3,
        stalls           INTEGER NOT NULL DEFAULT 0,
        dedupe_key       TEXT,
        timeout_ms       INTEGER,
        manual           INTEGER NOT NULL DEFAULT 0,
        progress         TEXT,
        last_error       TEXT,
        locked_by        TEXT,
        locked_until     INTEGER,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        created_at       INTEGER NOT NULL,
        failed_at        INTEGER
      );
      CREATE INDEX IF NOT EXISTS jobs_ready ON jobs (priority, run_at, id) WHERE state = 'pending';
      CREATE INDEX IF NOT EXISTS jobs_lease ON jobs (locked_until) WHERE state = 'processing';
      CREATE UNIQUE INDEX IF NOT EXISTS jobs_dedupe ON jobs (dedupe_key)
        WHERE dedupe_key IS NOT NULL AND state IN ('pending', 'processing');
    `);
  },
  down(db) {
    db.exec('DROP TABLE IF EXISTS jobs');
  },
};
