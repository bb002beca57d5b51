/**
 * The TV half of what each media player confirmed holding: `player_tv_shows` and
 * `player_tv_files` (migration 8), read and written as `player_movies` is for movies. Used
 * through `PlayerSyncRepository`, whose plan and confirmation it completes, in the same
 * transactions.
 *
 * A show or episode file is new to a player without a row, changed when published again
 * after the row's publish, and removed when the row's show or file is gone: the scan
 * deletes removed shows and files from the TV tables, and the player's row is what still
 * remembers them until the player confirmed the removal.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { EpisodeFileSyncItem, EpisodeNumber, SyncChanges, TvShowSyncItem } from '../types.js';

/** What a player confirmed of one kind of TV item in one sync. */
export interface TvSyncConfirmation<T> {
  added: readonly T[];
  refreshed: readonly T[];
  removed: readonly T[];
}

interface ShowRow {
  show_id: number;
  library_path: string;
  path: string;
  published_at: number;
}

/** One row per episode of a file (its numbers in `season_number`/`episode_number`), in file order. */
interface FileEpisodeRow {
  file_id: number;
  show_id: number;
  library_path: string;
  show_path: string;
  folder: string;
  video_file: string;
  published_at: number;
  season_number: number | null;
  episode_number: number | null;
}

interface StoredFileRow {
  file_id: number;
  show_id: number;
  library_path: string;
  show_path: string;
  folder: string;
  video_file: string;
  episodes: string;
  published_at: number;
}

function toShow(row: ShowRow): TvShowSyncItem {
  return { showId: row.show_id, libraryPath: row.library_path, folder: row.path, publishedAt: row.published_at };
}

/** Folds the per-episode rows of a query (ordered by file, then position) into one item per file. */
function toFiles(rows: readonly FileEpisodeRow[]): EpisodeFileSyncItem[] {
  const files: EpisodeFileSyncItem[] = [];
  let current: (EpisodeFileSyncItem & { episodes: EpisodeNumber[] }) | undefined;
  for (const row of rows) {
    if (current?.fileId !== row.file_id) {
      current = {
        fileId: row.file_id,
        showId: row.show_id,
        libraryPath: row.library_path,
        showFolder: row.show_path,
        folder: row.folder,
        videoFile: row.video_file,
        episodes: [],
        publishedAt: row.published_at,
      };
      files.push(current);
    }
    current.episodes.push({ season: row.season_number, episode: row.episode_number });
  }
  return files;
}

function toStoredFile(row: StoredFileRow): EpisodeFileSyncItem {
  return {
    fileId: row.file_id,
    showId: row.show_id,
    libraryPath: row.library_path,
    showFolder: row.show_path,
    folder: row.folder,
    videoFile: row.video_file,
    episodes: JSON.parse(row.episodes) as EpisodeNumber[],
    publishedAt: row.published_at,
  };
}

/** The columns of a current file and its episodes, one row per episode. */
const FILE_EPISODES = `
  SELECT f.id AS file_id, f.show_id, s.library_path, s.path AS show_path, f.folder, f.video_file,
         f.published_at, e.season_number, e.episode_number
    FROM tv_files f
    JOIN tv_shows s ON s.id = f.show_id
    JOIN tv_episodes e ON e.file_id = f.id`;

/**
 * Data access for the players' TV rows; use it through `PlayerSyncRepository`.
 *
 * @example
 * ```ts
 * const tv = new PlayerTvSyncRepository(db);
 * const { shows, episodes } = tv.planFor('living-room');
 * tv.confirm('living-room', { added: shows.added, refreshed: [], removed: [] }, { added: episodes.added, refreshed: [], removed: [] });
 * ```
 */
export class PlayerTvSyncRepository {
  readonly #showsAdded: Statement;
  readonly #showsChanged: Statement;
  readonly #showsRemoved: Statement;
  readonly #filesAdded: Statement;
  readonly #filesChanged: Statement;
  readonly #filesRemoved: Statement;
  readonly #upsertShow: Statement;
  readonly #deleteShow: Statement;
  readonly #upsertFile: Statement;
  readonly #deleteFile: Statement;
  readonly #showUnconfirmed: Statement;

  constructor(db: Database) {
    this.#showsAdded = db.prepare(
      `SELECT s.id AS show_id, s.library_path, s.path, s.published_at
         FROM tv_shows s
         LEFT JOIN player_tv_shows p ON p.player = ? AND p.show_id = s.id
        WHERE s.published_at IS NOT NULL AND p.show_id IS NULL
        ORDER BY s.id`,
    );
    this.#showsChanged = db.prepare(
      `SELECT s.id AS show_id, s.library_path, s.path, s.published_at
         FROM tv_shows s
         JOIN player_tv_shows p ON p.player = ? AND p.show_id = s.id AND p.path = s.path
        WHERE s.published_at > p.published_at
        ORDER BY s.id`,
    );
    this.#showsRemoved = db.prepare(
      `SELECT p.show_id, p.library_path, p.path, p.published_at
         FROM player_tv_shows p
         LEFT JOIN tv_shows s ON s.id = p.show_id AND s.path = p.path
        WHERE p.player = ? AND s.id IS NULL
        ORDER BY p.show_id`,
    );
    this.#filesAdded = db.prepare(
      `${FILE_EPISODES}
         LEFT JOIN player_tv_files p ON p.player = ? AND p.file_id = f.id
        WHERE f.published_at IS NOT NULL AND p.file_id IS NULL
        ORDER BY f.id, e.position`,
    );
    this.#filesChanged = db.prepare(
      `${FILE_EPISODES}
         JOIN player_tv_files p ON p.player = ? AND p.file_id = f.id AND p.video_file = f.video_file
        WHERE f.published_at > p.published_at
        ORDER BY f.id, e.position`,
    );
    this.#filesRemoved = db.prepare(
      `SELECT p.file_id, p.show_id, p.library_path, p.show_path, p.folder, p.video_file, p.episodes, p.published_at
         FROM player_tv_files p
         LEFT JOIN tv_files f ON f.id = p.file_id AND f.video_file = p.video_file
        WHERE p.player = ? AND f.id IS NULL
        ORDER BY p.file_id`,
    );
    this.#upsertShow = db.prepare(
      `INSERT INTO player_tv_shows (player, show_id, library_path, path, published_at, synced_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (player, show_id) DO UPDATE SET
         library_path = excluded.library_path, path = excluded.path,
         published_at = excluded.published_at, synced_at = excluded.synced_at`,
    );
    this.#deleteShow = db.prepare('DELETE FROM player_tv_shows WHERE player = ? AND show_id = ? AND path = ?');
    this.#upsertFile = db.prepare(
      `INSERT INTO player_tv_files (player, file_id, show_id, library_path, show_path, folder, video_file, episodes, published_at, synced_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (player, file_id) DO UPDATE SET
         show_id = excluded.show_id, library_path = excluded.library_path, show_path = excluded.show_path,
         folder = excluded.folder, video_file = excluded.video_file, episodes = excluded.episodes,
         published_at = excluded.published_at, synced_at = excluded.synced_at`,
    );
    this.#deleteFile = db.prepare('DELETE FROM player_tv_files WHERE player = ? AND file_id = ? AND video_file = ?');
    this.#showUnconfirmed = db.prepare(
      `SELECT EXISTS (
                SELECT 1 FROM tv_shows s
                 WHERE s.id = ? AND s.published_at IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM player_tv_shows p
                                    WHERE p.player = ? AND p.show_id = s.id AND p.path = s.path AND p.published_at >= s.published_at))
           OR EXISTS (
                SELECT 1 FROM tv_files f
                 WHERE f.show_id = ? AND f.published_at IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM player_tv_files p
                                    WHERE p.player = ? AND p.file_id = f.id AND p.video_file = f.video_file
                                      AND p.published_at >= f.published_at)) AS n`,
    );
  }

  /** The shows and episode files `player` still has to be told of. Call inside a transaction for a consistent snapshot. */
  planFor(player: string): { shows: SyncChanges<TvShowSyncItem>; episodes: SyncChanges<EpisodeFileSyncItem> } {
    return {
      shows: {
        added: (this.#showsAdded.all(player) as ShowRow[]).map(toShow),
        changed: (this.#showsChanged.all(player) as ShowRow[]).map(toShow),
        removed: (this.#showsRemoved.all(player) as ShowRow[]).map(toShow),
      },
      episodes: {
        added: toFiles(this.#filesAdded.all(player) as FileEpisodeRow[]),
        changed: toFiles(this.#filesChanged.all(player) as FileEpisodeRow[]),
        removed: (this.#filesRemoved.all(player) as StoredFileRow[]).map(toStoredFile),
      },
    };
  }

  /**
   * Records what `player` confirmed: added and refreshed shows and files at the publish the
   * sync covered, removed ones forgotten. Call inside a transaction.
   */
  confirm(player: string, shows: TvSyncConfirmation<TvShowSyncItem>, episodes: TvSyncConfirmation<EpisodeFileSyncItem>, now: number): void {
    for (const show of [...shows.added, ...shows.refreshed]) {
      this.#upsertShow.run(player, show.showId, show.libraryPath, show.folder, show.publishedAt, now);
    }
    for (const show of shows.removed) this.#deleteShow.run(player, show.showId, show.folder);
    for (const file of [...episodes.added, ...episodes.refreshed]) {
      this.#upsertFile.run(
        player,
        file.fileId,
        file.showId,
        file.libraryPath,
        file.showFolder,
        file.folder,
        file.videoFile,
        JSON.stringify(file.episodes),
        file.publishedAt,
        now,
      );
    }
    for (const file of episodes.removed) this.#deleteFile.run(player, file.fileId, file.videoFile);
  }

  /** Whether `player` has not yet confirmed the latest publish of this show or of one of its episode files. */
  isShowUnconfirmed(player: string, showId: number): boolean {
    return (this.#showUnconfirmed.get(showId, player, showId, player) as { n: number }).n > 0;
  }
}
