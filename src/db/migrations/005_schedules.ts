import type { Migration } from '../migration.js';

/**
 * `schedules`: recurring jobs, shared by every process that opens the database.
 *
 * - `name` is the identity: processes that declare the same schedule at start-up meet on
 *   one row instead of creating one each.
 * - `next_run_at` is the tick the schedule waits for. A process that finds it due moves it
 *   forward with a compare-and-set UPDATE (`WHERE next_run_at = <what it read>`) inside an
 *   IMMEDIATE transaction; only the process whose UPDATE changed the row enqueues that
 *   tick, so N processes enqueue each tick once. `last_tick` records the tick that was
 *   enqueued (for listings and the catch-up decision).
 * - The job to enqueue is stored with the schedule (type, payload JSON, priority), so a
 *   process that did not declare the schedule can still fire it.
 */
export const schedulesMigration: Migration = {
  version: 5,
  name: 'schedules',
  up(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS schedules (
        name          TEXT    PRIMARY KEY,
        cron          TEXT,
        every_ms      INTEGER,
        tz            TEXT,
        catch_up      INTEGER NOT NULL DEFAULT 0 CHECK (catch_up IN (0, 1)),
        job_type      TEXT    NOT NULL,
        payload       TEXT    NOT NULL,
        priority      INTEGER NOT NULL,
        last_tick     INTEGER,
        next_run_at   INTEGER NOT NULL,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL,
        CHECK ((cron IS NULL) <> (every_ms IS NULL))
      );
    `);
  },
  down(db) {
    db.exec('DROP TABLE IF EXISTS schedules;');
  },
};
