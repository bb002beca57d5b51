import type { Migration } from '../migration.js';

/**
 * Queue controls: claims by job type, pauses, per-type and per-key limits, live workers.
 *
 * - `jobs.group_key`: the key `group.by` computed when the job was added (null when its
 *   type has no group), so every process agrees on it.
 * - `jobs_claim (type, priority, run_at, id, group_key) WHERE state = 'pending'` replaces
 *   `jobs_ready (priority, run_at, id)`: a queue claims only the types its registry holds,
 *   one seek per type, so jobs of other (or paused) types are never walked over. The
 *   group key rides in the index for the walk of grouped types. One index on pending
 *   rows, as before, so adding and claiming a job update no more indexes than before.
 * - `jobs_running (type, group_key) WHERE state = 'processing'` replaces `jobs_lease
 *   (locked_until)`: it counts the running jobs of a limited type or key in one seek,
 *   and the stall sweep scans it whole (it holds only the running jobs, a few hundred at
 *   most) instead of a lease-ordered index.
 * - `queue_pauses`: one row per paused job type, `''` for the whole queue (a job type is
 *   never empty). Read by every claim, inside its transaction.
 * - `queue_workers`: what each started queue announces (the types it claims) until its
 *   heartbeat stops; `stats` reads it to show jobs no live worker runs.
 */
export const queueControlsMigration: Migration = {
  version: 7,
  name: 'queue_controls',
  up(db) {
    db.exec(`
      ALTER TABLE jobs ADD COLUMN group_key TEXT;
      DROP INDEX IF EXISTS jobs_ready;
      DROP INDEX IF EXISTS jobs_lease;
      CREATE INDEX IF NOT EXISTS jobs_claim ON jobs (type, priority, run_at, id, group_key) WHERE state = 'pending';
      CREATE INDEX IF NOT EXISTS jobs_running ON jobs (type, group_key) WHERE state = 'processing';
      CREATE TABLE IF NOT EXISTS queue_pauses (
        type       TEXT    PRIMARY KEY,
        paused_at  INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS queue_workers (
        id         TEXT    PRIMARY KEY,
        types      TEXT    NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
  },
  down(db) {
    db.exec(`
      DROP TABLE IF EXISTS queue_workers;
      DROP TABLE IF EXISTS queue_pauses;
      DROP INDEX IF EXISTS jobs_running;
      DROP INDEX IF EXISTS jobs_claim;
      CREATE INDEX IF NOT EXISTS jobs_ready ON jobs (priority, run_at, id) WHERE state = 'pending';
      CREATE INDEX IF NOT EXISTS jobs_lease ON jobs (locked_until) WHERE state = 'processing';
      ALTER TABLE jobs DROP COLUMN group_key;
    `);
  },
};
