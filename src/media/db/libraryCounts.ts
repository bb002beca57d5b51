/**
 * What one library holds, counted in the media tables: the numbers the dashboard and the
 * libraries route show next to each library, and how far its items got through the
 * pipeline (enriched, published). One read each, by the `library_path` every row carries.
 */
import type { Database as SqliteDatabase } from 'better-sqlite3';

/** Counts of a `movies` library. */
export interface MovieLibraryCounts {
  /** Stored movies (one per video file). */
  movies: number;
  /** Of those, movies the provider was asked about (matched or known to be unknown). */
  enriched: number;
  /** Of those, movies whose NFO and artwork were written at least once. */
  published: number;
}

/** Counts of a `tvshows` library. */
export interface TvLibraryCounts {
  /** Stored shows (one per show folder). */
  shows: number;
  /** Seasons that have episodes on disk, over every show. */
  seasons: number;
  /** Episodes on disk (a two-episode file counts two). */
  episodes: number;
  /** Shows the provider was asked about. */
  enriched: number;
  /** Shows whose `tvshow.nfo` was written at least once. */
  published: number;
}

/** The counts of the `movies` library at `libraryPath`. */
export function countMovieLibrary(db: SqliteDatabase, libraryPath: string): MovieLibraryCounts {
  return db
    .prepare(
      `SELECT COUNT(*) AS movies,
              COUNT(enriched_at) AS enriched,
              COUNT(published_at) AS published
         FROM movies WHERE library_path = ?`,
    )
    .get(libraryPath) as MovieLibraryCounts;
}

/** The counts of the `tvshows` library at `libraryPath`. */
export function countTvLibrary(db: SqliteDatabase, libraryPath: string): TvLibraryCounts {
  const shows = db
    .prepare(
      'SELECT COUNT(*) AS shows, COUNT(enriched_at) AS enriched, COUNT(published_at) AS published FROM tv_shows WHERE library_path = ?',
    )
    .get(libraryPath) as { shows: number; enriched: number; published: number };
  const seasons = db
    .prepare('SELECT COUNT(*) AS n FROM tv_seasons WHERE show_id IN (SELECT id FROM tv_shows WHERE library_path = ?)')
    .get(libraryPath) as { n: number };
  const episodes = db
    .prepare('SELECT COUNT(*) AS n FROM tv_episodes WHERE show_id IN (SELECT id FROM tv_shows WHERE library_path = ?)')
    .get(libraryPath) as { n: number };
  return { shows: shows.shows, seasons: seasons.n, episodes: episodes.n, enriched: shows.enriched, published: shows.published };
}
