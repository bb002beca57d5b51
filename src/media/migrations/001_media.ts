import type { Migration } from '../../index.js';

/**
 * The phase defaults of the media phases as of release 0.1 (once inserted by core migration 3), in the stored text form (numbers as decimals,
 * booleans 'true'/'false', lists as JSON). Frozen here on purpose: a migration must mean
 * the same thing forever, even when a later release changes a default in code (the
 * service fills in the code default for any key that has no row).
 */
export const PHASE_DEFAULTS_V3: readonly (readonly [string, string])[] = [
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
 * Tables of the reference media pipeline, in the queue's own database.
 *
 * - `movies`: one row per video file (`video_file` is the identity, so a flat library with
 *   many movies in one folder works as well as one folder per movie). `file_size` and
 *   `mtime` let a rescan tell a changed file from an unchanged one; `metadata` holds the
 *   provider's answer as JSON, because the NFO needs all of it and nothing queries inside. `id_hints` holds
 *   ids written in the folder name (`{tmdb-603}`), kept apart from the matched ids so a
 *   rename that corrects a wrong match wins over the old match.
 * - `movie_assets`: artwork candidates kept by the enrich phase, with `selected` marking
 *   what publish writes. Unique per (movie, kind, url) so re-enriching upserts.
 * - `movie_actors`: the cast, in billing order; publish writes `<actor>` entries and photos.
 *
 * Child rows are deleted by the repository explicitly as well as by ON DELETE CASCADE,
 * because foreign keys are only enforced on connections that enable them.
 *
 * It also inserts the defaults of the media phases (`phase.scan.*`, `phase.enrichment.*`,
 * ...), keeping any value already set (INSERT OR IGNORE): a database that ran core
 * migration 3 before the plugins had their own sets has them already. Version 4 of the
 * old single list; `down` drops the tables and keeps the settings.
 */
export const mediaMigration: Migration = {
  version: 1,
  name: 'media',
  replaces: { version: 4, name: 'media' },
  up(db) {
    const insert = db.prepare('INSERT OR IGNORE INTO app_settings (key, value, updated_at) VALUES (?, ?, ?)');
    const now = Date.now();
    for (const [key, value] of PHASE_DEFAULTS_V3) insert.run(key, value, now);
    db.exec(`
      CREATE TABLE IF NOT EXISTS movies (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        library_path  TEXT    NOT NULL,
        path          TEXT    NOT NULL,
        video_file    TEXT    NOT NULL UNIQUE,
        title         TEXT    NOT NULL,
        year          INTEGER,
        file_size     INTEGER NOT NULL,
        mtime         INTEGER NOT NULL,
        id_hints      TEXT,
        tmdb_id       TEXT,
        imdb_id       TEXT,
        provider      TEXT,
        provider_id   TEXT,
        metadata      TEXT,
        scanned_at    INTEGER NOT NULL,
        enriched_at   INTEGER,
        published_at  INTEGER,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS movies_library ON movies (library_path);
      CREATE INDEX IF NOT EXISTS movies_path ON movies (path);
      CREATE TABLE IF NOT EXISTS movie_assets (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        movie_id    INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
        kind        TEXT    NOT NULL,
        url         TEXT    NOT NULL,
        language    TEXT,
        width       INTEGER NOT NULL DEFAULT 0,
        height      INTEGER NOT NULL DEFAULT 0,
        votes       REAL    NOT NULL DEFAULT 0,
        ext         TEXT,
        selected    INTEGER NOT NULL DEFAULT 0 CHECK (selected IN (0, 1)),
        created_at  INTEGER NOT NULL,
        UNIQUE (movie_id, kind, url)
      );
      CREATE INDEX IF NOT EXISTS movie_assets_movie ON movie_assets (movie_id, kind);
      CREATE TABLE IF NOT EXISTS movie_actors (
        movie_id    INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
        sort_order  INTEGER NOT NULL,
        name        TEXT    NOT NULL,
        role        TEXT    NOT NULL DEFAULT '',
        thumb_url   TEXT,
        PRIMARY KEY (movie_id, sort_order)
      );
    `);
  },
  down(db) {
    db.exec('DROP TABLE IF EXISTS movie_actors; DROP TABLE IF EXISTS movie_assets; DROP TABLE IF EXISTS movies;');
  },
};
