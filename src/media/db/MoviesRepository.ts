/**
 * MoviesRepository: the media pipeline's reads and writes of `movies`, `movie_assets` and
 * `movie_actors` (migration 4), over a better-sqlite3 connection the caller owns and has
 * migrated. Every multi-row change is one transaction, so a crash mid-way leaves either
 * the old rows or the new ones, never a mix. The records it returns and takes, and their
 * rows, are in movieRecords.ts.
 */
import type { Database, Statement } from 'better-sqlite3';
import { NotFoundError, ValidationError } from '../../index.js';
import type { ArtworkKind, CastMember } from '../types.js';
import {
  toAsset,
  toMovie,
  type AssetRecord,
  type AssetRow,
  type EnrichmentRecord,
  type MovieRecord,
  type MovieRow,
  type ScannedMovie,
  type UpsertOutcome,
} from './movieRecords.js';

/**
 * Data access for the media tables.
 *
 * @example
 * ```ts
 * const db = new Database('./data/phaseq.db');
 * migrate(db);
 * const movies = new MoviesRepository(db);
 * const { id, status } = movies.upsertScanned({ libraryPath, path, videoFile, title: 'Alien', year: 1979, fileSize, mtime });
 * ```
 */
export class MoviesRepository {
  readonly #db: Database;
  readonly #byVideo: Statement;
  readonly #byId: Statement;

  constructor(db: Database) {
    this.#db = db;
    this.#byVideo = db.prepare('SELECT * FROM movies WHERE video_file = ?');
    this.#byId = db.prepare('SELECT * FROM movies WHERE id = ?');
  }

  /**
   * Inserts a movie found on disk, or updates the stored one with the same video file.
   * A changed file (size, mtime, parsed title/year or id hints) keeps its metadata until the next enrichment
   * replaces it, so publishing never loses what was known; a changed title, year or id
   * hint forgets the provider's match, which was made for the old name.
   */
  upsertScanned(movie: ScannedMovie, now: number = Date.now()): UpsertOutcome {
    const hints = movie.idHints && Object.keys(movie.idHints).length > 0 ? JSON.stringify(movie.idHints) : null;
    return this.#db
      .transaction((): UpsertOutcome => {
        const existing = this.#byVideo.get(movie.videoFile) as MovieRow | undefined;
        if (!existing) {
          const info = this.#db
            .prepare(
              `INSERT INTO movies (library_path, path, video_file, title, year, file_size, mtime, id_hints, scanned_at, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(
              movie.libraryPath,
              movie.path,
              movie.videoFile,
              movie.title,
              movie.year,
              movie.fileSize,
              movie.mtime,
              hints,
              now,
              now,
              now,
            );
          return { id: Number(info.lastInsertRowid), status: 'new', enriched: false };
        }
        const renamed = existing.title !== movie.title || existing.year !== movie.year || existing.id_hints !== hints;
        const changed = renamed || existing.file_size !== movie.fileSize || existing.mtime !== movie.mtime;
        // A match belongs to the name it was made for: a renamed movie is searched afresh
        // (its old metadata stays until the new enrichment replaces it).
        this.#db
          .prepare(
            `UPDATE movies SET library_path = ?, path = ?, title = ?, year = ?, file_size = ?, mtime = ?, id_hints = ?,
               scanned_at = ?, updated_at = CASE WHEN ? THEN ? ELSE updated_at END,
               provider = CASE WHEN ? THEN NULL ELSE provider END,
               provider_id = CASE WHEN ? THEN NULL ELSE provider_id END
             WHERE id = ?`,
          )
          .run(
            movie.libraryPath,
            movie.path,
            movie.title,
            movie.year,
            movie.fileSize,
            movie.mtime,
            hints,
            now,
            changed ? 1 : 0,
            now,
            renamed ? 1 : 0,
            renamed ? 1 : 0,
            existing.id,
          );
        return { id: existing.id, status: changed ? 'changed' : 'unchanged', enriched: existing.enriched_at !== null };
      })
      .immediate();
  }

  /**
   * Deletes the movies under `folder` (the library root, or one movie folder) whose video
   * file is not in `present`, with their assets and actors. Returns the deleted ids.
   */
  removeMissing(folder: string, present: ReadonlySet<string>): number[] {
    return this.#db
      .transaction((): number[] => {
        const rows = this.listUnder(folder);
        const gone = rows.filter((m) => !present.has(m.videoFile)).map((m) => m.id);
        for (const id of gone) this.#deleteOne(id);
        return gone;
      })
      .immediate();
  }

  /** Deletes one movie with its assets and actors; false when it did not exist. */
  delete(id: number): boolean {
    return this.#db.transaction(() => this.#deleteOne(id)).immediate();
  }

  #deleteOne(id: number): boolean {
    this.#db.prepare('DELETE FROM movie_assets WHERE movie_id = ?').run(id);
    this.#db.prepare('DELETE FROM movie_actors WHERE movie_id = ?').run(id);
    return this.#db.prepare('DELETE FROM movies WHERE id = ?').run(id).changes > 0;
  }

  /** The movie with this id, or undefined. */
  get(id: number): MovieRecord | undefined {
    const row = this.#byId.get(id) as MovieRow | undefined;
    return row ? toMovie(row) : undefined;
  }

  /** The movie with this id; throws {@link NotFoundError} naming the id when there is none. */
  require(id: number): MovieRecord {
    const movie = this.get(id);
    if (!movie) throw new NotFoundError(`Movie ${id} does not exist (was it removed by a rescan?)`);
    return movie;
  }

  /** The movie whose video file is `videoFile`, or undefined. */
  getByVideoFile(videoFile: string): MovieRecord | undefined {
    const row = this.#byVideo.get(videoFile) as MovieRow | undefined;
    return row ? toMovie(row) : undefined;
  }

  /**
   * Movies whose folder is `folder` or lies below it, by video file. The prefix test is
   * done on whole path segments so `/movies/Alien` does not match `/movies/Aliens`.
   */
  listUnder(folder: string): MovieRecord[] {
    const base = folder.endsWith('/') ? folder.slice(0, -1) : folder;
    const rows = this.#db
      .prepare(`SELECT * FROM movies WHERE path = ? OR substr(path, 1, ?) = ? OR library_path = ? ORDER BY id`)
      .all(base, base.length + 1, `${base}/`, base) as MovieRow[];
    return rows.map(toMovie);
  }

  /** Every movie, by id. */
  list(): MovieRecord[] {
    return (this.#db.prepare('SELECT * FROM movies ORDER BY id').all() as MovieRow[]).map(toMovie);
  }

  /** Number of stored movies. */
  count(): number {
    return (this.#db.prepare('SELECT COUNT(*) AS n FROM movies').get() as { n: number }).n;
  }

  /**
   * Stores an enrichment: the details, the cast (replaced), the asset candidates
   * (replaced) with their selection, and `enriched_at`. One transaction.
   */
  saveEnrichment(id: number, record: EnrichmentRecord, now: number = Date.now()): void {
    for (const kind of new Set(record.assets.filter((a) => a.selected).map((a) => a.kind))) {
      if (record.assets.filter((a) => a.selected && a.kind === kind).length > 1) {
        throw new ValidationError(`At most one ${kind} may be selected per movie`, [
          { path: 'assets', message: `more than one selected ${kind}` },
        ]);
      }
    }
    const ids = record.details.providerIds;
    this.#db
      .transaction(() => {
        const info = this.#db
          .prepare(
            `UPDATE movies SET provider = ?, provider_id = ?, tmdb_id = ?, imdb_id = ?, metadata = ?, enriched_at = ?, updated_at = ?
             WHERE id = ?`,
          )
          .run(record.provider, record.providerId, ids.tmdb ?? null, ids.imdb ?? null, JSON.stringify(record.details), now, now, id);
        if (info.changes === 0) throw new NotFoundError(`Movie ${id} does not exist (was it removed by a rescan?)`);
        this.#db.prepare('DELETE FROM movie_actors WHERE movie_id = ?').run(id);
        const addActor = this.#db.prepare('INSERT INTO movie_actors (movie_id, sort_order, name, role, thumb_url) VALUES (?, ?, ?, ?, ?)');
        // Billing order from the provider may repeat or skip numbers: store the position.
        [...record.details.cast]
          .sort((a, b) => a.order - b.order)
          .forEach((actor, i) => addActor.run(id, i, actor.name, actor.role, actor.thumbUrl ?? null));
        this.#db.prepare('DELETE FROM movie_assets WHERE movie_id = ?').run(id);
        const addAsset = this.#db.prepare(
          `INSERT OR IGNORE INTO movie_assets (movie_id, kind, url, language, width, height, votes, ext, selected, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        );
        for (const a of record.assets) {
          addAsset.run(id, a.kind, a.url, a.language, a.width, a.height, a.votes, a.ext ?? null, a.selected ? 1 : 0, now);
        }
      })
      .immediate();
  }

  /**
   * Records that the provider was asked and knows no such movie: the movie counts as
   * enriched (a rescan of the unchanged file does not ask again), whatever was known before
   * stays. `scheduled-provider-update` asks again once the stamp is old.
   */
  markUnmatched(id: number, now: number = Date.now()): void {
    const info = this.#db.prepare('UPDATE movies SET enriched_at = ?, updated_at = ? WHERE id = ?').run(now, now, id);
    if (info.changes === 0) throw new NotFoundError(`Movie ${id} does not exist (was it removed by a rescan?)`);
  }

  /** The cast in billing order. */
  actors(id: number): CastMember[] {
    const rows = this.#db
      .prepare('SELECT sort_order, name, role, thumb_url FROM movie_actors WHERE movie_id = ? ORDER BY sort_order')
      .all(id) as { sort_order: number; name: string; role: string; thumb_url: string | null }[];
    return rows.map((r) => {
      const actor: CastMember = { name: r.name, role: r.role, order: r.sort_order };
      if (r.thumb_url !== null) actor.thumbUrl = r.thumb_url;
      return actor;
    });
  }

  /** Asset candidates of a movie (of one kind when given): selected first, then by id. */
  assets(id: number, kind?: ArtworkKind): AssetRecord[] {
    const rows = (
      kind === undefined
        ? this.#db.prepare('SELECT * FROM movie_assets WHERE movie_id = ? ORDER BY kind, selected DESC, id').all(id)
        : this.#db.prepare('SELECT * FROM movie_assets WHERE movie_id = ? AND kind = ? ORDER BY selected DESC, id').all(id, kind)
    ) as AssetRow[];
    return rows.map(toAsset);
  }

  /** The selected asset of each kind. */
  selectedAssets(id: number): AssetRecord[] {
    const rows = this.#db.prepare('SELECT * FROM movie_assets WHERE movie_id = ? AND selected = 1 ORDER BY kind').all(id) as AssetRow[];
    return rows.map(toAsset);
  }

  /**
   * Marks one candidate as the selected asset of its kind, unselecting the others of
   * that kind. Returns the selected record.
   *
   * @throws NotFoundError when the movie has no asset with this id
   */
  selectAsset(movieId: number, assetId: number): AssetRecord {
    return this.#db
      .transaction((): AssetRecord => {
        const row = this.#db.prepare('SELECT * FROM movie_assets WHERE id = ? AND movie_id = ?').get(assetId, movieId) as
          AssetRow | undefined;
        if (!row) throw new NotFoundError(`Movie ${movieId} has no asset candidate ${assetId}`);
        this.#db.prepare('UPDATE movie_assets SET selected = 0 WHERE movie_id = ? AND kind = ?').run(movieId, row.kind);
        this.#db.prepare('UPDATE movie_assets SET selected = 1 WHERE id = ?').run(assetId);
        return toAsset({ ...row, selected: 1 });
      })
      .immediate();
  }

  /** The latest `published_at` among the movies of a library, or null when none was published. */
  lastPublishedAt(libraryPath: string): number | null {
    const row = this.#db.prepare('SELECT MAX(published_at) AS t FROM movies WHERE library_path = ?').get(libraryPath) as {
      t: number | null;
    };
    return row.t;
  }

  /**
   * Records a successful publish at `now`, or 1 ms after the library's latest publish when
   * that is later. Every publish so moves {@link lastPublishedAt} forward, even two in
   * the same millisecond: notify jobs compare it before and after their call to tell a
   * publish made during the call from one made before it.
   */
  markPublished(id: number, now: number = Date.now()): void {
    this.#db
      .prepare(
        `UPDATE movies
            SET published_at = MAX(?, COALESCE((SELECT MAX(p.published_at) FROM movies p WHERE p.library_path = movies.library_path), 0) + 1)
          WHERE id = ?`,
      )
      .run(now, id);
  }
}
