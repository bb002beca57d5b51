import type { Migration } from '../migration.js';

/**
 * Debounce and traces.
 *
 * - `jobs.trace`: the producer's W3C trace context as JSON (`{"traceparent":"00-…"}`),
 *   or NULL when none was active (always, without `@opentelemetry/api`). Read back by the
 *   claim, so the worker's span joins the producer's trace in any process.
 * - Debounce needs no column: the first add of a burst is the row's `created_at` (a
 *   replacing add changes the payload and run time, never the row's creation), and the
 *   maximum wait is counted from it.
 *
 * Adding a NULL column is a schema change only (no row is rewritten), whatever the depth.
 */
export const debounceTracesMigration: Migration = {
  version: 10,
  name: 'debounce_traces',
  up(db) {
    db.exec(`ALTER TABLE jobs ADD COLUMN trace TEXT`);
  },
  down(db) {
    db.exec(`ALTER TABLE jobs DROP COLUMN trace`);
  },
};
