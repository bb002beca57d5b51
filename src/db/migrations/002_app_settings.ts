import type { Database } from 'better-sqlite3';
import type { Migration } from '../migration.js';

function hasColumn(db: Database, table: string, column: string): boolean {
  return (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).some((c) => c.name === column);
}

/**
 * The `app_settings` key/value table, shared with the host, plus a change counter.
 *
 * - CREATE TABLE IF NOT EXISTS: installations of the old design already have
 *   `app_settings` with the user's values; they are kept as they are. Its `updated_at`
 *   held a text timestamp there; new writes store epoch milliseconds, and the column
 *   is added when an old table lacks it.
 * - `settings_version` is a one-row counter that triggers bump on every insert, update
 *   or delete in `app_settings`, whoever writes (this library, the host, another process).
 *   A cache then needs only `PRAGMA data_version` (no table read) to learn that some
 *   other connection committed, and this one row to learn whether settings were among
 *   what changed — instead of re-reading every setting per job.
 */
export const appSettingsMigration: Migration = {
  version: 2,
  name: 'app_settings',
  up(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS app_settings (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at INTEGER
      );
    `);
    if (!hasColumn(db, 'app_settings', 'updated_at')) {
      db.exec('ALTER TABLE app_settings ADD COLUMN updated_at INTEGER');
    }
    db.exec(`
      CREATE TABLE IF NOT EXISTS settings_version (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL
      );
      INSERT OR IGNORE INTO settings_version (id, version) VALUES (1, 0);
      CREATE TRIGGER IF NOT EXISTS app_settings_after_insert AFTER INSERT ON app_settings
        BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
      CREATE TRIGGER IF NOT EXISTS app_settings_after_update AFTER UPDATE ON app_settings
        BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
      CREATE TRIGGER IF NOT EXISTS app_settings_after_delete AFTER DELETE ON app_settings
        BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
    `);
  },
  down(db) {
    // Back to version 1 exactly: the settings go with the table (take a backup first if
    // the values matter; migrating up again restores the phase defaults, not the values).
    db.exec(`
      DROP TRIGGER IF EXISTS app_settings_after_insert;
      DROP TRIGGER IF EXISTS app_settings_after_update;
      DROP TRIGGER IF EXISTS app_settings_after_delete;
      DROP TABLE IF EXISTS settings_version;
      DROP TABLE IF EXISTS app_settings;
    `);
  },
};
