import type { Migration } from '../migration.js';

/**
 * Rate limits: the start times of the jobs of rate-limited types, so that every process
 * sharing the database counts the same window (no more than `max` starts in any
 * `durationMs`).
 *
 * - `queue_rate_starts (type, group_key, at)`: one row per start; `group_key` is `''` for
 *   the type's own window (a group key is never empty), else the key's. Rows are written
 *   only for types with a rate limit, by the claim that leased the job, inside its
 *   transaction; the same claim prunes the type's rows older than its longest window, so
 *   the table holds about `max` rows per window in use.
 * - `queue_rate_window (type, group_key, at)`: counts one window in one seek (and finds
 *   its oldest start). `queue_rate_prune (type, at)`: the prune of a type's old starts,
 *   whatever its keys, in one range.
 */
export const rateLimitsMigration: Migration = {
  version: 9,
  name: 'rate_limits',
  up(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS queue_rate_starts (
        type       TEXT    NOT NULL,
        group_key  TEXT    NOT NULL,
        at         INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS queue_rate_window ON queue_rate_starts (type, group_key, at);
      CREATE INDEX IF NOT EXISTS queue_rate_prune ON queue_rate_starts (type, at);
    `);
  },
  down(db) {
    db.exec(`DROP TABLE IF EXISTS queue_rate_starts;`);
  },
};
