/**
 * The files-and-episodes half of the TV tables' data access: `tv_files` and `tv_episodes`
 * (and the `tv_seasons` rows their episodes open), as the scan finds them and as publish
 * records them. `TvRepository` adds the shows, seasons, enrichment and artwork on top;
 * the plugin hands out that one (`media.tv`). Every multi-row change is one transaction.
 */
import type { Database } from 'better-sqlite3';
import { ValidationError } from '../../index.js';
import {
  parsedKey,
  toEpisode,
  toFile,
  type EpisodeRow,
  type FileRow,
  type ScannedEpisodeFile,
  type TvFileRecord,
  type TvUpsertOutcome,
} from './tvRecords.js';

/** `folder` or anything below it, on whole path segments (`/tv/Lost` is not `/tv/Lost Girl`). */
export const UNDER = (column: string) => `(${column} = ? OR substr(${column}, 1, ?) = ?)`;

/** The arguments of {@link UNDER} for `folder`. */
export function underArgs(folder: string): [string, number, string] {
  const base = folder.endsWith('/') && folder.length > 1 ? folder.slice(0, -1) : folder;
  return [base, base.length + 1, `${base}/`];
}

/** Data access for TV episode files; use it as `TvRepository`. */
export class TvFilesRepository {
  protected readonly db: Database;

  constructor(db: Database) {
    this.db = db;
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
    return this.db
      .transaction((): TvUpsertOutcome => {
        const existing = this.db.prepare('SELECT * FROM tv_files WHERE video_file = ?').get(file.videoFile) as FileRow | undefined;
        let id: number;
        let status: TvUpsertOutcome['status'];
        if (!existing) {
          const info = this.db
            .prepare(
              `INSERT INTO tv_files (show_id, video_file, folder, file_size, mtime, scanned_at, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(showId, file.videoFile, file.folder, file.fileSize, file.mtime, now, now, now);
          id = Number(info.lastInsertRowid);
          status = 'new';
        } else {
          id = existing.id;
          const stored = (
            this.db.prepare('SELECT parsed FROM tv_episodes WHERE file_id = ? ORDER BY position').all(id) as { parsed: string }[]
          ).map((r) => r.parsed);
          const sameEpisodes = stored.length === keys.length && stored.every((k, i) => k === keys[i]);
          const changed =
            existing.show_id !== showId ||
            existing.folder !== file.folder ||
            existing.file_size !== file.fileSize ||
            existing.mtime !== file.mtime ||
            !sameEpisodes;
          if (!sameEpisodes) this.db.prepare('DELETE FROM tv_episodes WHERE file_id = ?').run(id);
          this.db
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
              this.db.prepare('UPDATE tv_episodes SET enriched_at = NULL WHERE file_id = ?').run(id);
              this.bumpShow(showId, now);
            }
            return { id, status };
          }
        }
        const add = this.db.prepare(
          `INSERT INTO tv_episodes (file_id, show_id, position, parsed, season_number, episode_number, aired)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        );
        file.episodes.forEach((episode, position) => {
          if ('aired' in episode) add.run(id, showId, position, keys[position], null, null, episode.aired);
          else add.run(id, showId, position, keys[position], episode.season, episode.episode, null);
        });
        this.syncSeasons(showId);
        this.bumpShow(showId, now);
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
    return this.db
      .transaction(() => {
        const rows = this.db
          .prepare(`SELECT id, show_id, video_file FROM tv_files WHERE ${UNDER('video_file')}`)
          .all(...underArgs(target)) as {
          id: number;
          show_id: number;
          video_file: string;
        }[];
        const gone = rows.filter((r) => !present.has(r.video_file));
        const shows = new Set<number>();
        for (const row of gone) {
          this.db.prepare('DELETE FROM tv_episodes WHERE file_id = ?').run(row.id);
          this.db.prepare('DELETE FROM tv_files WHERE id = ?').run(row.id);
          shows.add(row.show_id);
        }
        for (const showId of shows) {
          this.syncSeasons(showId);
          this.bumpShow(showId, now);
        }
        return gone.map((r) => ({ videoFile: r.video_file, showId: r.show_id }));
      })
      .immediate();
  }

  /** Keeps one `tv_seasons` row per season that has episodes, keeping the provider's data of those that stay. */
  protected syncSeasons(showId: number): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO tv_seasons (show_id, season_number)
         SELECT DISTINCT show_id, season_number FROM tv_episodes WHERE show_id = ? AND season_number IS NOT NULL`,
      )
      .run(showId);
    this.db
      .prepare(
        `DELETE FROM tv_seasons WHERE show_id = ? AND season_number NOT IN
           (SELECT season_number FROM tv_episodes WHERE show_id = ? AND season_number IS NOT NULL)`,
      )
      .run(showId, showId);
  }

  /** A show whose files changed gets a new revision: an enrichment running meanwhile sees it and follows up. */
  protected bumpShow(showId: number, now: number): void {
    this.db.prepare('UPDATE tv_shows SET revision = revision + 1, updated_at = ? WHERE id = ?').run(now, showId);
  }

  /** Number of stored files at or below `target`. */
  countFilesUnder(target: string): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM tv_files WHERE ${UNDER('video_file')}`).get(...underArgs(target)) as { n: number })
      .n;
  }

  /** The files of a show with their episodes, by season, episode and file name. */
  files(showId: number): TvFileRecord[] {
    const episodes = (
      this.db.prepare('SELECT * FROM tv_episodes WHERE show_id = ? ORDER BY file_id, position').all(showId) as EpisodeRow[]
    ).map(toEpisode);
    const byFile = new Map<number, typeof episodes>();
    for (const e of episodes) byFile.set(e.fileId, [...(byFile.get(e.fileId) ?? []), e]);
    const files = (this.db.prepare('SELECT * FROM tv_files WHERE show_id = ? ORDER BY video_file').all(showId) as FileRow[]).map((row) =>
      toFile(row, byFile.get(row.id) ?? []),
    );
    const key = (f: TvFileRecord) => [f.episodes[0]?.season ?? Number.MAX_SAFE_INTEGER, f.episodes[0]?.episode ?? 0];
    return files.sort((a, b) => key(a)[0]! - key(b)[0]! || key(a)[1]! - key(b)[1]! || (a.videoFile < b.videoFile ? -1 : 1));
  }

  /** What publish writes for each file of a show, as one comparable string per file. */
  protected fileFingerprints(showId: number): Map<number, string> {
    const rows = this.db
      .prepare(
        `SELECT e.file_id, e.season_number, e.episode_number, e.metadata,
                (SELECT a.url FROM tv_assets a WHERE a.show_id = e.show_id AND a.scope = 'episode' AND a.selected = 1
                   AND a.season_number = e.season_number AND a.episode_number = e.episode_number) AS thumb
           FROM tv_episodes e WHERE e.show_id = ? ORDER BY e.file_id, e.position`,
      )
      .all(showId) as {
      file_id: number;
      season_number: number | null;
      episode_number: number | null;
      metadata: string | null;
      thumb: string | null;
    }[];
    const out = new Map<number, string>();
    for (const r of rows) {
      out.set(r.file_id, `${out.get(r.file_id) ?? ''}|${r.season_number}:${r.episode_number}:${r.metadata ?? ''}:${r.thumb ?? ''}`);
    }
    return out;
  }

  /**
   * Records a publish. Each listed file's `published_revision` becomes the revision that
   * was written (a file changed meanwhile stays due). `published_at` — what the players'
   * syncs compare with what they confirmed — moves only for what publish wrote something
   * new for (`show: true` for the show's own files, `changed: true` per episode file), or
   * on a first publish; it always moves forward (1 ms past its last value at least), so
   * two publishes in one millisecond are still two changes.
   */
  markPublished(
    showId: number,
    publish: { show: boolean; files: readonly { id: number; revision: number; changed: boolean }[] },
    now: number = Date.now(),
  ): void {
    const stamp = `CASE WHEN ? OR published_at IS NULL THEN MAX(?, COALESCE(published_at, 0) + 1) ELSE published_at END`;
    this.db
      .transaction(() => {
        const setFile = this.db.prepare(`UPDATE tv_files SET published_revision = ?, published_at = ${stamp} WHERE id = ? AND show_id = ?`);
        for (const f of publish.files) setFile.run(f.revision, f.changed ? 1 : 0, now, f.id, showId);
        this.db.prepare(`UPDATE tv_shows SET published_at = ${stamp} WHERE id = ?`).run(publish.show ? 1 : 0, now, showId);
      })
      .immediate();
  }
}
