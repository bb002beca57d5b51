/**
 * TvRepository: the TV pipeline's reads and writes of `tv_shows`, `tv_files`,
 * `tv_episodes`, `tv_seasons` and `tv_assets` (migration 8), over a better-sqlite3
 * connection the caller owns and has migrated. The shows, seasons, enrichment and artwork
 * are here; the episode files (scan and publish records) in its base class,
 * `TvFilesRepository`. Every multi-row change is one transaction, so a crash mid-way
 * leaves either the old rows or the new ones.
 */
import { NotFoundError, ValidationError } from '../../index.js';
import { TvFilesRepository, UNDER, underArgs } from './TvFilesRepository.js';
import {
  toAsset,
  toSeason,
  toShow,
  type AssetRow,
  type ScannedShow,
  type SeasonRow,
  type ShowRow,
  type TvAssetRecord,
  type TvEnrichmentRecord,
  type TvSeasonRecord,
  type TvShowRecord,
  type TvUpsertOutcome,
} from './tvRecords.js';

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
export class TvRepository extends TvFilesRepository {
  /**
   * Inserts a show folder found on disk, or updates the stored one. A changed folder name
   * (title, year, id hints) keeps the metadata until the next enrichment matches again.
   */
  upsertShow(show: ScannedShow, now: number = Date.now()): TvUpsertOutcome {
    const hints = show.idHints && Object.keys(show.idHints).length > 0 ? JSON.stringify(show.idHints) : null;
    return this.db
      .transaction((): TvUpsertOutcome => {
        const existing = this.db.prepare('SELECT * FROM tv_shows WHERE path = ?').get(show.path) as ShowRow | undefined;
        if (!existing) {
          const info = this.db
            .prepare(
              `INSERT INTO tv_shows (library_path, path, title, year, id_hints, scanned_at, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(show.libraryPath, show.path, show.title, show.year, hints, now, now, now);
          return { id: Number(info.lastInsertRowid), status: 'new' };
        }
        const changed = existing.title !== show.title || existing.year !== show.year || existing.id_hints !== hints;
        this.db
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
   * Deletes shows that have no file left: the listed ones, and those at or under
   * `folder` (or of the library `folder`) when given, where also every show whose folder
   * is not in `keep` goes (a full scan's shows seen on disk). Returns their folders.
   */
  removeEmptyShows(options: { showIds?: Iterable<number>; folder?: string; keep?: ReadonlySet<string> }): string[] {
    return this.db
      .transaction((): string[] => {
        const count = `(SELECT COUNT(*) FROM tv_files f WHERE f.show_id = tv_shows.id) AS files`;
        const rows: { id: number; path: string; files: number }[] = [];
        if (options.folder !== undefined) {
          const under = this.db
            .prepare(`SELECT id, path, ${count} FROM tv_shows WHERE ${UNDER('path')} OR library_path = ?`)
            .all(...underArgs(options.folder), options.folder) as typeof rows;
          rows.push(...under.filter((r) => r.files === 0 || (options.keep !== undefined && !options.keep.has(r.path))));
        }
        const byId = this.db.prepare(`SELECT id, path, ${count} FROM tv_shows WHERE id = ?`);
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
    return this.db.transaction(() => this.#deleteShow(id)).immediate();
  }

  #deleteShow(id: number): boolean {
    for (const table of ['tv_assets', 'tv_seasons', 'tv_episodes', 'tv_files']) {
      this.db.prepare(`DELETE FROM ${table} WHERE show_id = ?`).run(id);
    }
    return this.db.prepare('DELETE FROM tv_shows WHERE id = ?').run(id).changes > 0;
  }

  /** The show with this id, or undefined. */
  getShow(id: number): TvShowRecord | undefined {
    const row = this.db.prepare('SELECT * FROM tv_shows WHERE id = ?').get(id) as ShowRow | undefined;
    return row ? toShow(row) : undefined;
  }

  /** The show whose folder is `folder`, or undefined. */
  showByPath(folder: string): TvShowRecord | undefined {
    const row = this.db.prepare('SELECT * FROM tv_shows WHERE path = ?').get(folder) as ShowRow | undefined;
    return row ? toShow(row) : undefined;
  }

  /** Shows whose folder is `folder` or lies below it, or that belong to the library `folder`, by id. */
  showsUnder(folder: string): TvShowRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM tv_shows WHERE ${UNDER('path')} OR library_path = ? ORDER BY id`)
      .all(...underArgs(folder), folder) as ShowRow[];
    return rows.map(toShow);
  }

  /** Every show, by id. */
  listShows(): TvShowRecord[] {
    return (this.db.prepare('SELECT * FROM tv_shows ORDER BY id').all() as ShowRow[]).map(toShow);
  }

  /** Numbers of stored shows, files and episodes. */
  counts(): { shows: number; files: number; episodes: number } {
    const n = (table: string) => (this.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { shows: n('tv_shows'), files: n('tv_files'), episodes: n('tv_episodes') };
  }

  /** The seasons of a show that have episodes on disk, by number. */
  seasons(showId: number): TvSeasonRecord[] {
    return (this.db.prepare('SELECT * FROM tv_seasons WHERE show_id = ? ORDER BY season_number').all(showId) as SeasonRow[]).map(toSeason);
  }

  /**
   * Whether the show still needs the provider: never matched, its folder name changed
   * since the match, or an episode without metadata.
   */
  needsEnrichment(showId: number): boolean {
    const row = this.db
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
    const row = this.db
      .prepare(
        `SELECT matched_on IS json_object('title', title, 'year', year, 'idHints', COALESCE(id_hints, '{}')) AS current FROM tv_shows WHERE id = ?`,
      )
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
        throw new ValidationError(`At most one ${a.kind} may be selected per ${a.scope}`, [
          { path: 'assets', message: `more than one selected ${key}` },
        ]);
      }
    }
    const ids = record.details.providerIds;
    this.db
      .transaction(() => {
        const before = this.fileFingerprints(showId);
        const info = this.db
          .prepare(
            `UPDATE tv_shows SET provider = ?, provider_id = ?, tmdb_id = ?, tvdb_id = ?, imdb_id = ?, metadata = ?,
               matched_on = json_object('title', title, 'year', year, 'idHints', COALESCE(id_hints, '{}')),
               enriched_at = ?, updated_at = ?
             WHERE id = ?`,
          )
          .run(
            record.provider,
            record.providerId,
            ids.tmdb ?? null,
            ids.tvdb ?? null,
            ids.imdb ?? null,
            JSON.stringify(record.details),
            now,
            now,
            showId,
          );
        if (info.changes === 0) throw new NotFoundError(`Show ${showId} does not exist (was it removed by a rescan?)`);
        const setSeason = this.db.prepare('UPDATE tv_seasons SET name = ?, metadata = ? WHERE show_id = ? AND season_number = ?');
        for (const season of record.seasons) setSeason.run(season.name, JSON.stringify(season), showId, season.seasonNumber);
        const setEpisode = this.db.prepare(
          `UPDATE tv_episodes SET metadata = ?, enriched_at = ?,
             season_number = COALESCE(season_number, ?), episode_number = COALESCE(episode_number, ?)
           WHERE id = ? AND show_id = ?`,
        );
        for (const { episodeId, details } of record.episodes) {
          setEpisode.run(JSON.stringify(details), now, details.seasonNumber, details.episodeNumber, episodeId, showId);
        }
        if (record.replace.showArtwork) this.db.prepare(`DELETE FROM tv_assets WHERE show_id = ? AND scope = 'show'`).run(showId);
        const dropSeason = this.db.prepare(
          `DELETE FROM tv_assets WHERE show_id = ? AND scope IN ('season', 'episode') AND season_number = ?`,
        );
        for (const season of record.replace.seasons) dropSeason.run(showId, season);
        const addAsset = this.db.prepare(
          `INSERT OR IGNORE INTO tv_assets (show_id, scope, season_number, episode_number, kind, url, language, width, height, votes, ext, selected, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        );
        for (const a of record.assets) {
          addAsset.run(
            showId,
            a.scope,
            a.season,
            a.episode,
            a.kind,
            a.url,
            a.language,
            a.width,
            a.height,
            a.votes,
            a.ext ?? null,
            a.selected ? 1 : 0,
            now,
          );
        }
        // Daily episodes that got their numbers may open a season.
        this.syncSeasons(showId);
        const after = this.fileFingerprints(showId);
        const bump = this.db.prepare('UPDATE tv_files SET revision = revision + 1, updated_at = ? WHERE id = ?');
        for (const [fileId, fingerprint] of after) if (before.get(fileId) !== fingerprint) bump.run(now, fileId);
      })
      .immediate();
  }

  /** Artwork candidates of a show (of one scope when given): selected first, then by id. */
  assets(showId: number, scope?: TvAssetRecord['scope']): TvAssetRecord[] {
    const rows = (
      scope === undefined
        ? this.db
            .prepare('SELECT * FROM tv_assets WHERE show_id = ? ORDER BY scope, season_number, episode_number, kind, selected DESC, id')
            .all(showId)
        : this.db
            .prepare(
              'SELECT * FROM tv_assets WHERE show_id = ? AND scope = ? ORDER BY season_number, episode_number, kind, selected DESC, id',
            )
            .all(showId, scope)
    ) as AssetRow[];
    return rows.map(toAsset);
  }

  /** The selected candidate of each scope and kind. */
  selectedAssets(showId: number): TvAssetRecord[] {
    return this.assets(showId).filter((a) => a.selected);
  }
}
