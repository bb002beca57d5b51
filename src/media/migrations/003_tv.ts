import type { Migration } from '../../index.js';

/**
 * Tables of the TV pipeline, beside the movie tables of media migration 1.
 *
 * - `tv_shows`: one row per show folder (`path` is the identity). `metadata` holds the
 *   provider's answer as JSON (the NFO needs all of it, nothing queries inside);
 *   `matched_on` records the folder-name data the match was made from, so a renamed
 *   folder is matched again. `revision` grows whenever a scan changes anything of the
 *   show, so an enrichment can tell that a rescan happened while it ran.
 * - `tv_files`: one row per video file; a multi-episode file is one row with several
 *   episodes. `revision` grows whenever what publish writes for the file changes (a
 *   rescan or a new enrichment), `published_revision` is the one last written, so publish
 *   rewrites only what changed without a clock comparison.
 * - `tv_episodes`: the episodes of each file, in file order. `parsed` is what the scan read
 *   from the name (`S1E2`, `D2024-01-31`); season and episode numbers come from the name
 *   or, for daily shows, from the provider.
 * - `tv_seasons`: the seasons that have episodes on disk, with the provider's name and data.
 * - `tv_assets`: artwork candidates of a show (`scope` show), a season (season posters) or
 *   an episode (stills), `selected` marking what publish writes.
 * - `player_tv_shows`, `player_tv_files`: what each media player confirmed holding, as
 *   `player_movies` (media migration 2) does for movies: one row per player and show folder or
 *   episode file, with the publish it confirmed (`published_at`; a show's or file's
 *   `published_at` moves only when publish wrote something new for it). A newer publish is
 *   a change for the player, a missing row something new, and a row whose show or file is
 *   gone a removal still to tell it. Like `player_movies` they have no foreign keys: a row
 *   is the record of a removal until the player confirmed it, so it must outlive the show
 *   or file the scan deleted. A file row keeps the episode numbers the player holds.
 *
 * Child rows are deleted by the repository explicitly as well as by ON DELETE CASCADE,
 * because foreign keys are only enforced on connections that enable them.
 */
export const tvMigration: Migration = {
  version: 3,
  name: 'tv',
  replaces: { version: 8, name: 'tv' },
  up(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS tv_shows (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        library_path  TEXT    NOT NULL,
        path          TEXT    NOT NULL UNIQUE,
        title         TEXT    NOT NULL,
        year          INTEGER,
        id_hints      TEXT,
        tmdb_id       TEXT,
        tvdb_id       TEXT,
        imdb_id       TEXT,
        provider      TEXT,
        provider_id   TEXT,
        metadata      TEXT,
        matched_on    TEXT,
        revision      INTEGER NOT NULL DEFAULT 1,
        scanned_at    INTEGER NOT NULL,
        enriched_at   INTEGER,
        published_at  INTEGER,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS tv_shows_library ON tv_shows (library_path);
      CREATE TABLE IF NOT EXISTS tv_files (
        id                  INTEGER PRIMARY KEY AUTOINCREMENT,
        show_id             INTEGER NOT NULL REFERENCES tv_shows (id) ON DELETE CASCADE,
        video_file          TEXT    NOT NULL UNIQUE,
        folder              TEXT    NOT NULL,
        file_size           INTEGER NOT NULL,
        mtime               INTEGER NOT NULL,
        revision            INTEGER NOT NULL DEFAULT 1,
        published_revision  INTEGER,
        scanned_at          INTEGER NOT NULL,
        published_at        INTEGER,
        created_at          INTEGER NOT NULL,
        updated_at          INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS tv_files_show ON tv_files (show_id);
      CREATE TABLE IF NOT EXISTS tv_episodes (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        file_id         INTEGER NOT NULL REFERENCES tv_files (id) ON DELETE CASCADE,
        show_id         INTEGER NOT NULL REFERENCES tv_shows (id) ON DELETE CASCADE,
        position        INTEGER NOT NULL,
        parsed          TEXT    NOT NULL,
        season_number   INTEGER,
        episode_number  INTEGER,
        aired           TEXT,
        metadata        TEXT,
        enriched_at     INTEGER,
        UNIQUE (file_id, position)
      );
      CREATE INDEX IF NOT EXISTS tv_episodes_show ON tv_episodes (show_id, season_number, episode_number);
      CREATE TABLE IF NOT EXISTS tv_seasons (
        show_id        INTEGER NOT NULL REFERENCES tv_shows (id) ON DELETE CASCADE,
        season_number  INTEGER NOT NULL,
        name           TEXT,
        metadata       TEXT,
        PRIMARY KEY (show_id, season_number)
      );
      CREATE TABLE IF NOT EXISTS tv_assets (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        show_id         INTEGER NOT NULL REFERENCES tv_shows (id) ON DELETE CASCADE,
        scope           TEXT    NOT NULL CHECK (scope IN ('show', 'season', 'episode')),
        season_number   INTEGER NOT NULL DEFAULT 0,
        episode_number  INTEGER NOT NULL DEFAULT 0,
        kind            TEXT    NOT NULL,
        url             TEXT    NOT NULL,
        language        TEXT,
        width           INTEGER NOT NULL DEFAULT 0,
        height          INTEGER NOT NULL DEFAULT 0,
        votes           REAL    NOT NULL DEFAULT 0,
        ext             TEXT,
        selected        INTEGER NOT NULL DEFAULT 0 CHECK (selected IN (0, 1)),
        created_at      INTEGER NOT NULL,
        UNIQUE (show_id, scope, season_number, episode_number, kind, url)
      );
      CREATE INDEX IF NOT EXISTS tv_assets_show ON tv_assets (show_id, scope, season_number, episode_number);
      CREATE TABLE IF NOT EXISTS player_tv_shows (
        player        TEXT    NOT NULL,
        show_id       INTEGER NOT NULL,
        library_path  TEXT    NOT NULL,
        path          TEXT    NOT NULL,
        published_at  INTEGER NOT NULL,
        synced_at     INTEGER NOT NULL,
        PRIMARY KEY (player, show_id)
      );
      CREATE TABLE IF NOT EXISTS player_tv_files (
        player        TEXT    NOT NULL,
        file_id       INTEGER NOT NULL,
        show_id       INTEGER NOT NULL,
        library_path  TEXT    NOT NULL,
        show_path     TEXT    NOT NULL,
        folder        TEXT    NOT NULL,
        video_file    TEXT    NOT NULL,
        episodes      TEXT    NOT NULL,
        published_at  INTEGER NOT NULL,
        synced_at     INTEGER NOT NULL,
        PRIMARY KEY (player, file_id)
      );
    `);
  },
  down(db) {
    db.exec(
      'DROP TABLE IF EXISTS player_tv_files; DROP TABLE IF EXISTS player_tv_shows; ' +
        'DROP TABLE IF EXISTS tv_assets; DROP TABLE IF EXISTS tv_seasons; DROP TABLE IF EXISTS tv_episodes; ' +
        'DROP TABLE IF EXISTS tv_files; DROP TABLE IF EXISTS tv_shows;',
    );
  },
};
