import type { Migration } from '../../index.js';

/**
 * What each media player has confirmed, so that a player sync can work out what to do
 * from the tables alone (and any number of publishes merge into one sync).
 *
 * - `player_movies`: one row per player and movie the player confirmed holding, with the
 *   publish it confirmed (`published_at`). A movie published later than that is a change
 *   for the player; a movie without a row is new to it; a row whose movie is gone is a
 *   removal still to tell it. There is deliberately no foreign key to `movies`: the row
 *   must outlive a deleted movie until the player confirmed the removal.
 * - `player_sync`: the sync generation of each player. It names the pending sync job that
 *   publishes join (see the media plugin's player-sync queue rules) and moves forward each
 *   time a sync finishes.
 */
export const playerSyncMigration: Migration = {
  version: 2,
  name: 'player_sync',
  replaces: { version: 6, name: 'player_sync' },
  up(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS player_movies (
        player        TEXT    NOT NULL,
        movie_id      INTEGER NOT NULL,
        library_path  TEXT    NOT NULL,
        path          TEXT    NOT NULL,
        video_file    TEXT    NOT NULL,
        published_at  INTEGER NOT NULL,
        synced_at     INTEGER NOT NULL,
        PRIMARY KEY (player, movie_id)
      );
      CREATE TABLE IF NOT EXISTS player_sync (
        player      TEXT    PRIMARY KEY,
        generation  INTEGER NOT NULL DEFAULT 0,
        updated_at  INTEGER NOT NULL
      );
    `);
  },
  down(db) {
    db.exec('DROP TABLE IF EXISTS player_movies; DROP TABLE IF EXISTS player_sync;');
  },
};
