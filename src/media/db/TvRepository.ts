/**
 * TvRepository: the TV pipeline's reads and writes of `tv_shows`, `tv_files`,
 * `tv_episodes`, `tv_seasons` and `tv_assets` (migration 6), over a better-sqlite3
 * connection the caller owns and has migrated. Every multi-row change is one
 * transaction, so a crash mid-way leaves either the old rows or the new ones.
 */
import type { Database } from 'better-sqlite3';
import { NotFoundError, ValidationError } from '../../errors.js';
import {
  parsedKey,
  toAsset,
  toEpisode,
  toFile,
  toSeason,
  toShow,
  type AssetRow,
  type EpisodeRow,
  type FileRow,
  type ScannedEpisodeFile,
  type ScannedShow,
  type SeasonRow,
  type ShowRow,
  type TvAssetRecord,
  type TvEnrichmentRecord,
  type TvFileRecord,
  type TvSeasonRecord,
  type TvShowRecord,
  type TvUpsertOutcome,
} from './tvRecords.js';

/** `folder` or anything below it, on whole path segments (`/tv/Lost` is not `/tv/Lost Girl`). */
const UNDER = (column: string) => `(${column} = ? OR substr(${column}, 1, ?) = ?)`;
function underArgs(folder: string): [string, number, string] {
  const base = folder.endsWith('/') && folder.length > 1 ? folder.slice(0, -1) : folder;
  return [base, base.length + 1, `${base}/`];
}

/**
 * Data access for the TV tables.
 *
 * @example
 * ```ts
 * const tv = new TvRepository(db);
 * const show = tv.upsertShow({ libraryPath: '/srv/tv', path: '/srv/tv/Lost (2004)', title: 'Lost', year: 2004 });
 * tv.upsertFile(show.id, { videoFile, folder, fileSize, mtime, episodes: [{ season: 1, episode: 1 }] });
 * ```
 */
export class TvRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /**
   * Inserts a show folder found on disk, or updates the stored one. A changed folder name
   * (title, year, id hints) keeps the metadata until the next enrichment matches again.
   */
  upsertShow(show: ScannedShow, now: number = Date.now()): TvUpsertOutcome {
    const hints = show.idHints && Object.keys(show.idHints).length > 0 ? JSON.stringify(show.idHints) : null;
    return this.#db
      .transaction((): TvUpsertOutcome => {
        const existing = this.#db.prepare('SELECT * FROM tv_shows WHERE path = ?').get(show.path) as ShowRow | undefined;
        if (!existing) {
          const info = this.#db
            .prepare(
              `INSERT INTO tv_shows (library_path, path, title, year, id_hints, scanned_at, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(show.libraryPath, show.path, show.title, show.year, hints, now, now, now);
          return { id: Number(info.lastInsertRowid), status: 'new' };
        }
        const changed = existing.title !== show.title || existing.year !== show.year || existing.id_hints !== hints;
        this.#db
          .prepare(
            `UPDATE tv_shows SET library_path = ?, title = ?, year = ?, id_hints = ?, scanned_at = ?,
               revision = revision + ?, updated_at = CASE WHEN ? THEN ? ELSE updated_at END
             WHERE id = ?`,
          )
          .run(show.libraryPath, show.title, show.year, hints, now, changed ? 1 : 0, changed ? 1 : 0, now, existing.id);
        return { id: existing.id, status: changed ? 'changed' : 'unchanged' };
      })
      .immediate();
  }

  /**
   * Inserts a video file of a show with its episodes, or updates the stored one. A file
   * is `changed` when its size, mtime, folder or episodes (as read from its name) differ;
   * episodes whose reading is unchanged keep their metadata.
   */
  upsertFile(showId: number, file: ScannedEpisodeFile, now: number = Date.now()): TvUpsertOutcome {
    if (file.episodes.length === 0) {
      throw new ValidationError(`A TV file needs at least one episode: ${file.videoFile}`, [{ path: 'episodes', message: 'empty' }]);
    }
    const keys = file.episodes.map(parsedKey);
    return this.#db
      .transaction((): TvUpsertOutcome => {
        const existing = this.#db.prepare('SELECT * FROM tv_files WHERE video_file = ?').get(file.videoFile) as FileRow | undefined;
        let id: number;
        let status: TvUpsertOutcome['status'];
        if (!existing) {
          const info = this.#db
            .prepare(
              `INSERT INTO tv_files (show_id, video_file, folder, file_size, mtime, scanned_at, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(showId, file.videoFile, file.folder, file.fileSize, file.mtime, now, now, now);
          id = Number(info.lastInsertRowid);
          status = 'new';
        } else {
          id = existing.id;
          const stored = (this.#db.prepare('SELECT parsed FROM tv_episodes WHERE file_id = ? ORDER BY position').all(id) as { parsed: string }[]).map(
            (r) => r.parsed,
          );
          const sameEpisodes = stored.length === keys.length && stored.every((k, i) => k === keys[i]);
          const changed =
            existing.show_id !== showId ||
            existing.folder !== file.folder ||
            existing.file_size !== file.fileSize ||
            existing.mtime !== file.mtime ||
            !sameEpisodes;
          if (!sameEpisodes) this.#db.prepare('DELETE FROM tv_episodes WHERE file_id = ?').run(id);
          this.#db
            .prepare(
              `UPDATE tv_files SET show_id = ?, folder = ?, file_size = ?, mtime = ?, scanned_at = ?,
                 revision = revision + ?, updated_at = CASE WHEN ? THEN ? ELSE updated_at END
               WHERE id = ?`,
            )
            .run(showId, file.folder, file.fileSize, file.mtime, now, changed ? 1 : 0, changed ? 1 : 0, now, id);
          status = changed ? 'changed' : 'unchanged';
          if (sameEpisodes) {
            if (changed) {
              // A replaced file (an upgrade) is looked up again; its metadata stays until then.
              this.#db.prepare('UPDATE tv_episodes SET enriched_at = NULL WHERE file_id = ?').run(id);
              this.#bumpShow(showId, now);
            }
            return { id, status };
          }
        }
        const add = this.#db.prepare(
          `INSERT INTO tv_episodes (file_id, show_id, position, parsed, season_number, episode_number, aired)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        );
        file.episodes.forEach((episode, position) => {
          if ('aired' in episode) add.run(id, showId, position, keys[position], null, null, episode.aired);
          else add.run(id, showId, position, keys[position], episode.season, episode.episode, null);
        });
        this.#syncSeasons(showId);
        this.#bumpShow(showId, now);
        return { id, status };
      })
      .immediate();
  }

  /**
   * Deletes the files at or under `target` (a show, a season folder or one file) whose
   * video is not in `present`, with their episodes; seasons left without episodes go too.
   * Returns the deleted files with their shows.
   */
  removeMissingFiles(target: string, present: ReadonlySet<string>, now: number = Date.now()): { videoFile: string; showId: number }[] {
    return this.#db
      .transaction(() => {
        const rows = this.#db.prepare(`SELECT id, show_id, video_file FROM tv_files WHERE ${UNDER('video_file')}`).all(...underArgs(target)) as {
          id: number;
          show_id: number;
          video_file: string;
        }[];
        const gone = rows.filter((r) => !present.has(r.video_file));
        const shows = new Set<number>();
        for (const row of gone) {
          this.#db.prepare('DELETE FROM tv_episodes WHERE file_id = ?').run(row.id);
          this.#db.prepare('DELETE FROM tv_files WHERE id = ?').run(row.id);
          shows.add(row.show_id);
        }
        for (const showId of shows) {
          this.#syncSeasons(showId);
          this.#bumpShow(showId, now);
        }
        return gone.map((r) => ({ videoFile: r.video_file, showId: r.show_id }));
      })
      .immediate();
  }

  /**
   * Deletes shows that have no file left: the listed ones, and those at or under
   * `folder` (or of the library `folder`) when given, where also every show whose folder
   * is not in `keep` goes (a full scan's shows seen on disk). Returns their folders.
   */
  removeEmptyShows(options: { showIds?: Iterable<number>; folder?: string; keep?: ReadonlySet<string> }): string[] {
    return this.#db
      .transaction((): string[] => {
        const count = `(SELECT COUNT(*) FROM tv_files f WHERE f.show_id = tv_shows.id) AS files`;
        const rows: { id: number; path: string; files: number }[] = [];
        if (options.folder !== undefined) {
          const under = this.#db
            .prepare(`SELECT id, path, ${count} FROM tv_shows WHERE ${UNDER('path')} OR library_path = ?`)
            .all(...underArgs(options.folder), options.folder) as typeof rows;
          rows.push(...under.filter((r) => r.files === 0 || (options.keep !== undefined && !options.keep.has(r.path))));
        }
        const byId = this.#db.prepare(`SELECT id, path, ${count} FROM tv_shows WHERE id = ?`);
        for (const id of options.showIds ?? []) {
          const row = byId.get(id) as (typeof rows)[number] | undefined;
          if (row && row.files === 0 && !rows.some((r) => r.id === id)) rows.push(row);
        }
        for (const row of rows) this.#deleteShow(row.id);
        return rows.map((r) => r.path);
      })
      .immediate();
  }

  /** Deletes one show with everything of it; false when it did not exist. */
  deleteShow(id: number): boolean {
    return this.#db.transaction(() => this.#deleteShow(id)).immediate();
  }

  #deleteShow(id: number): boolean {
    for (const table of ['tv_assets', 'tv_seasons', 'tv_episodes', 'tv_files']) {
      this.#db.prepare(`DELETE FROM ${table} WHERE show_id = ?`).run(id);
    }
    return this.#db.prepare('DELETE FROM tv_shows WHERE id = ?').run(id).changes > 0;
  }

  /** Keeps one `tv_seasons` row per season that has episodes, keeping the provider's data of those that stay. */
  #syncSeasons(showId: number): void {
    this.#db
      .prepare(
        `INSERT OR IGNORE INTO tv_seasons (show_id, season_number)
         SELECT DISTINCT show_id, season_number FROM tv_episodes WHERE show_id = ? AND season_number IS NOT NULL`,
      )
      .run(showId);
    this.#db
      .prepare(
        `DELETE FROM tv_seasons WHERE show_id = ? AND season_number NOT IN
           (SELECT season_number FROM tv_episodes WHERE show_id = ? AND season_number IS NOT NULL)`,
      )
      .run(showId, showId);
  }

  #bumpShow(showId: number, now: number): void {
    this.#db.prepare('UPDATE tv_shows SET revision = revision + 1, updated_at = ? WHERE id = ?').run(now, showId);
  }

  /** The show with this id, or undefined. */
  getShow(id: number): TvShowRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM tv_shows WHERE id = ?').get(id) as ShowRow | undefined;
    return row ? toShow(row) : undefined;
  }

  /** The show whose folder is `folder`, or undefined. */
  showByPath(folder: string): TvShowRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM tv_shows WHERE path = ?').get(folder) as ShowRow | undefined;
    return row ? toShow(row) : undefined;
  }

  /** Shows whose folder is `folder` or lies below it, or that belong to the library `folder`, by id. */
  showsUnder(folder: string): TvShowRecord[] {
    const rows = this.#db
      .prepare(`SELECT * FROM tv_shows WHERE ${UNDER('path')} OR library_path = ? ORDER BY id`)
      .all(...underArgs(folder), folder) as ShowRow[];
    return rows.map(toShow);
  }

  /** Every show, by id. */
  listShows(): TvShowRecord[] {
    return (this.#db.prepare('SELECT * FROM tv_shows ORDER BY id').all() as ShowRow[]).map(toShow);
  }

  /** Number of stored files at or below `target`. */
  countFilesUnder(target: string): number {
    return (this.#db.prepare(`SELECT COUNT(*) AS n FROM tv_files WHERE ${UNDER('video_file')}`).get(...underArgs(target)) as { n: number }).n;
  }

  /** Numbers of stored shows, files and episodes. */
  counts(): { shows: number; files: number; episodes: number } {
    const n = (table: string) => (this.#db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { shows: n('tv_shows'), files: n('tv_files'), episodes: n('tv_episodes') };
  }

  /** The files of a show with their episodes, by season, episode and file name. */
  files(showId: number): TvFileRecord[] {
    const episodes = (
      this.#db.prepare('SELECT * FROM tv_episodes WHERE show_id = ? ORDER BY file_id, position').all(showId) as EpisodeRow[]
    ).map(toEpisode);
    const byFile = new Map<number, typeof episodes>();
    for (const e of episodes) byFile.set(e.fileId, [...(byFile.get(e.fileId) ?? []), e]);
    const files = (this.#db.prepare('SELECT * FROM tv_files WHERE show_id = ? ORDER BY video_file').all(showId) as FileRow[]).map((row) =>
      toFile(row, byFile.get(row.id) ?? []),
    );
    const key = (f: TvFileRecord) => [f.episodes[0]?.season ?? Number.MAX_SAFE_INTEGER, f.episodes[0]?.episode ?? 0];
    return files.sort((a, b) => key(a)[0]! - key(b)[0]! || key(a)[1]! - key(b)[1]! || (a.videoFile < b.videoFile ? -1 : 1));
  }

  /** The seasons of a show that have episodes on disk, by number. */
  seasons(showId: number): TvSeasonRecord[] {
    return (this.#db.prepare('SELECT * FROM tv_seasons WHERE show_id = ? ORDER BY season_number').all(showId) as SeasonRow[]).map(toSeason);
  }

  /**
   * Whether the show still needs the provider: never matched, its folder name changed
   * since the match, or an episode without metadata.
   */
  needsEnrichment(showId: number): boolean {
    const row = this.#db
      .prepare(
        `SELECT enriched_at IS NULL OR matched_on IS NOT json_object('title', title, 'year', year, 'idHints', COALESCE(id_hints, '{}')) AS show,
                (SELECT COUNT(*) FROM tv_episodes e WHERE e.show_id = tv_shows.id AND e.enriched_at IS NULL) AS episodes
           FROM tv_shows WHERE id = ?`,
      )
      .get(showId) as { show: number; episodes: number } | undefined;
    return row !== undefined && (row.show === 1 || row.episodes > 0);
  }

  /** Whether the match of the show was made from its current folder name. */
  matchIsCurrent(show: TvShowRecord): boolean {
    const row = this.#db
      .prepare(`SELECT matched_on IS json_object('title', title, 'year', year, 'idHints', COALESCE(id_hints, '{}')) AS current FROM tv_shows WHERE id = ?`)
      .get(show.id) as { current: number } | undefined;
    return show.enrichedAt !== null && row?.current === 1;
  }

  /**
   * Stores an enrichment: the show's details and match, the seasons' data, the matched
   * episodes (a daily show's episode gets its season and number from the provider), and
   * the artwork candidates of the replaced scopes. A file whose episodes' metadata or
   * still changed gets a new revision, so the next publish rewrites its NFO. One
   * transaction.
   */
  saveEnrichment(showId: number, record: TvEnrichmentRecord, now: number = Date.now()): void {
    const selected = new Map<string, number>();
    for (const a of record.assets.filter((x) => x.selected)) {
      const key = `${a.scope}:${a.season}:${a.episode}:${a.kind}`;
      selected.set(key, (selected.get(key) ?? 0) + 1);
      if (selected.get(key)! > 1) {
        throw new ValidationError(`At most one ${a.kind} may be selected per ${a.scope}`, [{ path: 'assets', message: `more than one selected ${key}` }]);
      }
    }
    const ids = record.details.providerIds;
    this.#db
      .transaction(() => {
        const before = this.#fileFingerprints(showId);
        const info = this.#db
          .prepare(
            `UPDATE tv_shows SET provider = ?, provider_id = ?, tmdb_id = ?, tvdb_id = ?, imdb_id = ?, metadata = ?,
               matched_on = json_object('title', title, 'year', year, 'idHints', COALESCE(id_hints, '{}')),
               enriched_at = ?, updated_at = ?
             WHERE id = ?`,
          )
          .run(record.provider, record.providerId, ids.tmdb ?? null, ids.tvdb ?? null, ids.imdb ?? null, JSON.stringify(record.details), now, now, showId);
        if (info.changes === 0) throw new NotFoundError(`Show ${showId} does not exist (was it removed by a rescan?)`);
        const setSeason = this.#db.prepare('UPDATE tv_seasons SET name = ?, metadata = ? WHERE show_id = ? AND season_number = ?');
        for (const season of record.seasons) setSeason.run(season.name, JSON.stringify(season), showId, season.seasonNumber);
        const setEpisode = this.#db.prepare(
          `UPDATE tv_episodes SET metadata = ?, enriched_at = ?,
             season_number = COALESCE(season_number, ?), episode_number = COALESCE(episode_number, ?)
           WHERE id = ? AND show_id = ?`,
        );
        for (const { episodeId, details } of record.episodes) {
          setEpisode.run(JSON.stringify(details), now, details.seasonNumber, details.episodeNumber, episodeId, showId);
        }
        if (record.replace.showArtwork) this.#db.prepare(`DELETE FROM tv_assets WHERE show_id = ? AND scope = 'show'`).run(showId);
        const dropSeason = this.#db.prepare(`DELETE FROM tv_assets WHERE show_id = ? AND scope IN ('season', 'episode') AND season_number = ?`);
        for (const season of record.replace.seasons) dropSeason.run(showId, season);
        const addAsset = this.#db.prepare(
          `INSERT OR IGNORE INTO tv_assets (show_id, scope, season_number, episode_number, kind, url, language, width, height, votes, ext, selected, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        );
        for (const a of record.assets) {
          addAsset.run(showId, a.scope, a.season, a.episode, a.kind, a.url, a.language, a.width, a.height, a.votes, a.ext ?? null, a.selected ? 1 : 0, now);
        }
        // Daily episodes that got their numbers may open a season.
        this.#syncSeasons(showId);
        const after = this.#fileFingerprints(showId);
        const bump = this.#db.prepare('UPDATE tv_files SET revision = revision + 1, updated_at = ? WHERE id = ?');
        for (const [fileId, fingerprint] of after) if (before.get(fileId) !== fingerprint) bump.run(now, fileId);
      })
      .immediate();
  }

  /** What publish writes for each file of a show, as one comparable string per file. */
  #fileFingerprints(showId: number): Map<number, string> {
    const rows = this.#db
      .prepare(
        `SELECT e.file_id, e.season_number, e.episode_number, e.metadata,
                (SELECT a.url FROM tv_assets a WHERE a.show_id = e.show_id AND a.scope = 'episode' AND a.selected = 1
                   AND a.season_number = e.season_number AND a.episode_number = e.episode_number) AS thumb
           FROM tv_episodes e WHERE e.show_id = ? ORDER BY e.file_id, e.position`,
      )
      .all(showId) as { file_id: number; season_number: number | null; episode_number: number | null; metadata: string | null; thumb: string | null }[];
    const out = new Map<number, string>();
    for (const r of rows) {
      out.set(r.file_id, `${out.get(r.file_id) ?? ''}|${r.season_number}:${r.episode_number}:${r.metadata ?? ''}:${r.thumb ?? ''}`);
    }
    return out;
  }

  /** Artwork candidates of a show (of one scope when given): selected first, then by id. */
  assets(showId: number, scope?: TvAssetRecord['scope']): TvAssetRecord[] {
    const rows = (
      scope === undefined
        ? this.#db.prepare('SELECT * FROM tv_assets WHERE show_id = ? ORDER BY scope, season_number, episode_number, kind, selected DESC, id').all(showId)
        : this.#db
            .prepare('SELECT * FROM tv_assets WHERE show_id = ? AND scope = ? ORDER BY season_number, episode_number, kind, selected DESC, id')
            .all(showId, scope)
    ) as AssetRow[];
    return rows.map(toAsset);
  }

  /** The selected candidate of each scope and kind. */
  selectedAssets(showId: number): TvAssetRecord[] {
    return this.assets(showId).filter((a) => a.selected);
  }

  /**
   * Records a publish: each listed file's `published_revision` becomes the revision that
   * was written (a file changed meanwhile stays due), and the show's `published_at`
   * becomes `now`, or 1 ms after the library's latest publish when that is later, so
   * {@link lastPublishedAt} always moves forward (the notify jobs rely on it).
   */
  markPublished(showId: number, files: readonly { id: number; revision: number }[], now: number = Date.now()): void {
    this.#db
      .transaction(() => {
        const setFile = this.#db.prepare('UPDATE tv_files SET published_revision = ?, published_at = ? WHERE id = ? AND show_id = ?');
        for (const f of files) setFile.run(f.revision, now, f.id, showId);
        this.#db
          .prepare(
            `UPDATE tv_shows
                SET published_at = MAX(?, COALESCE((SELECT MAX(p.published_at) FROM tv_shows p WHERE p.library_path = tv_shows.library_path), 0) + 1)
              WHERE id = ?`,
          )
          .run(now, showId);
      })
      .immediate();
  }

  /** The latest `published_at` among the shows of a library, or null when none was published. */
  lastPublishedAt(libraryPath: string): number | null {
    return (this.#db.prepare('SELECT MAX(published_at) AS t FROM tv_shows WHERE library_path = ?').get(libraryPath) as { t: number | null }).t;
  }
}
