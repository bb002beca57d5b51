import type { Migration } from '../migrate.js';

/**
 * Phase defaults as of this migration, in the stored text form (numbers as decimals,
 * booleans 'true'/'false', lists as JSON). Frozen here on purpose: a migration must mean
 * the same thing forever, even when a later release changes a default in code (the
 * service fills in the code default for any key that has no row).
 */
const PHASE_DEFAULTS_V3: readonly (readonly [string, string])[] = [
  [
    'phase.scan.ignorePatterns',
    JSON.stringify([
      '**/[Ss]ample/**',
      '**/[Ss]amples/**',
      '**/*[._-][Ss]ample.*',
      '**/*.part',
      '**/*.partial',
      '**/*.!qB',
      '**/*.crdownload',
      '**/*.tmp',
      '**/.*',
      '**/.*/**',
    ]),
  ],
  ['phase.scan.minFileSizeMB', '50'],
  ['phase.scan.maxFileSizeGB', '100'],
  [
    'phase.scan.videoExtensions',
    JSON.stringify(['mkv', 'mp4', 'avi', 'm4v', 'mov', 'ts', 'm2ts', 'wmv', 'mpg', 'mpeg', 'webm', 'flv', 'vob', 'iso']),
  ],
  ['phase.enrichment.fetchProviderAssets', 'true'],
  ['phase.enrichment.autoSelectAssets', 'true'],
  ['phase.enrichment.maxPoster', '3'],
  ['phase.enrichment.maxFanart', '5'],
  ['phase.enrichment.maxLogo', '2'],
  ['phase.enrichment.maxTrailer', '1'],
  ['phase.enrichment.language', 'en'],
  ['phase.enrichment.minResolution', '720'],
  ['phase.publish.assets', 'true'],
  ['phase.publish.actors', 'true'],
  ['phase.publish.trailers', 'false'],
  ['phase.playerSync.notify', 'true'],
  ['phase.playerSync.delaySeconds', '0'],
  ['phase.playerSync.cleanFirst', 'false'],
];

/**
 * From workflow control to phase configuration, for installations of the old design:
 *
 * - drops `job_history` (a finished job leaves no row; events and logs are the record);
 * - deletes the `workflow.*` switches (every phase always runs now);
 * - inserts the `phase.*` defaults, keeping any value the user already set (INSERT OR
 *   IGNORE, not OR REPLACE).
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
    const insert = db.prepare('INSERT OR IGNORE INTO app_settings (key, value, updated_at) VALUES (?, ?, ?)');
    const now = Date.now();
    for (const [key, value] of PHASE_DEFAULTS_V3) insert.run(key, value, now);
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
