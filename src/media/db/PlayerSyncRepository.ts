/**
 * PlayerSyncRepository: what each media player confirmed holding (`player_movies`,
 * migration 6; `player_tv_shows` and `player_tv_files`, migration 8, through
 * `PlayerTvSyncRepository`) and each player's sync generation (`player_sync`).
 *
 * A sync never carries its work in its job payload: it asks {@link planFor} what the
 * player still lacks — movies, TV shows and episode files published and not confirmed,
 * published again since they were confirmed, or confirmed and since deleted — and records
 * what the player then confirmed with {@link confirm}. So any number of publishes merge
 * into one sync, and a publish that lands while a sync runs is simply part of the next plan.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { EpisodeFileSyncItem, PlayerSyncItem, SyncChanges, TvShowSyncItem } from '../types.js';
import { PlayerTvSyncRepository, type TvSyncConfirmation } from './PlayerTvSyncRepository.js';

export type { PlayerSyncItem } from '../types.js';
export type { TvSyncConfirmation } from './PlayerTvSyncRepository.js';

/** What one player still has to be told. */
export interface PlayerSyncPlan {
  /** Published movies the player has not confirmed yet. */
  added: PlayerSyncItem[];
  /** Movies the player confirmed and that were published again since. */
  changed: PlayerSyncItem[];
  /** Movies the player confirmed and that are gone (deleted, or moved to another file). */
  removed: PlayerSyncItem[];
  /** The same for TV shows (their folders). */
  shows: SyncChanges<TvShowSyncItem>;
  /** The same for episode files. */
  episodes: SyncChanges<EpisodeFileSyncItem>;
}

/** What a player confirmed in one sync (a subset of its plan). */
export interface PlayerSyncConfirmation {
  added: readonly PlayerSyncItem[];
  refreshed: readonly PlayerSyncItem[];
  removed: readonly PlayerSyncItem[];
  /** TV shows confirmed. @default none */
  shows?: TvSyncConfirmation<TvShowSyncItem>;
  /** Episode files confirmed. @default none */
  episodes?: TvSyncConfirmation<EpisodeFileSyncItem>;
}

const NOTHING = { added: [], refreshed: [], removed: [] } as const;

interface ItemRow {
  movie_id: number;
  library_path: string;
  path: string;
  video_file: string;
  published_at: number;
}

function toItem(row: ItemRow): PlayerSyncItem {
  return {
    movieId: row.movie_id,
    libraryPath: row.library_path,
    folder: row.path,
    videoFile: row.video_file,
    publishedAt: row.published_at,
  };
}

/** Is a set of changes empty? */
function isEmpty(changes: SyncChanges<unknown>): boolean {
  return changes.added.length === 0 && changes.changed.length === 0 && changes.removed.length === 0;
}

/** Is the plan empty (nothing to tell the player)? */
export function isEmptyPlan(plan: PlayerSyncPlan): boolean {
  return isEmpty(plan) && isEmpty(plan.shows) && isEmpty(plan.episodes);
}

/**
 * Data access for the player-sync tables.
 *
 * @example
 * ```ts
 * const syncs = new PlayerSyncRepository(db);
 * const plan = syncs.planFor('living-room');
 * // ... tell the player, read back what it holds ...
 * syncs.confirm('living-room', { added: plan.added, refreshed: [], removed: plan.removed });
 * ```
 */
export class PlayerSyncRepository {
  readonly #db: Database;
  readonly #added: Statement;
  readonly #changed: Statement;
  readonly #removed: Statement;
  readonly #upsert: Statement;
  readonly #delete: Statement;
  readonly #generation: Statement;
  readonly #advance: Statement;
  readonly #unconfirmed: Statement;
  readonly #tv: PlayerTvSyncRepository;

  constructor(db: Database) {
    this.#db = db;
    this.#tv = new PlayerTvSyncRepository(db);
    this.#added = db.prepare(
      `SELECT m.id AS movie_id, m.library_path, m.path, m.video_file, m.published_at
         FROM movies m
         LEFT JOIN player_movies p ON p.player = ? AND p.movie_id = m.id
        WHERE m.published_at IS NOT NULL AND p.movie_id IS NULL
        ORDER BY m.id`,
    );
    this.#changed = db.prepare(
      `SELECT m.id AS movie_id, m.library_path, m.path, m.video_file, m.published_at
         FROM movies m
         JOIN player_movies p ON p.player = ? AND p.movie_id = m.id AND p.video_file = m.video_file
        WHERE m.published_at > p.published_at
        ORDER BY m.id`,
    );
    this.#removed = db.prepare(
      `SELECT p.movie_id, p.library_path, p.path, p.video_file, p.published_at
         FROM player_movies p
         LEFT JOIN movies m ON m.id = p.movie_id AND m.video_file = p.video_file
        WHERE p.player = ? AND m.id IS NULL
        ORDER BY p.movie_id`,
    );
    this.#upsert = db.prepare(
      `INSERT INTO player_movies (player, movie_id, library_path, path, video_file, published_at, synced_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (player, movie_id) DO UPDATE SET
         library_path = excluded.library_path, path = excluded.path, video_file = excluded.video_file,
         published_at = excluded.published_at, synced_at = excluded.synced_at`,
    );
    this.#delete = db.prepare('DELETE FROM player_movies WHERE player = ? AND movie_id = ? AND video_file = ?');
    this.#generation = db.prepare('SELECT generation FROM player_sync WHERE player = ?');
    this.#advance = db.prepare(
      `INSERT INTO player_sync (player, generation, updated_at) VALUES (?, 1, ?)
       ON CONFLICT (player) DO UPDATE SET generation = generation + 1, updated_at = excluded.updated_at
       RETURNING generation`,
    );
    this.#unconfirmed = db.prepare(
      `SELECT COUNT(*) AS n FROM movies m
        WHERE m.id = ? AND m.published_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM player_movies p
                           WHERE p.player = ? AND p.movie_id = m.id AND p.video_file = m.video_file
                             AND p.published_at >= m.published_at)`,
    );
  }

  /** What `player` still has to be told, movies and TV, read in one transaction (a consistent snapshot). */
  planFor(player: string): PlayerSyncPlan {
    return this.#db.transaction((): PlayerSyncPlan => ({
      added: (this.#added.all(player) as ItemRow[]).map(toItem),
      changed: (this.#changed.all(player) as ItemRow[]).map(toItem),
      removed: (this.#removed.all(player) as ItemRow[]).map(toItem),
      ...this.#tv.planFor(player),
    }))();
  }

  /**
   * Records what `player` confirmed: added and refreshed movies, shows and episode files at
   * the publish the sync covered (one published again meanwhile stays "changed" for the
   * next sync), and removed ones forgotten. One transaction.
   */
  confirm(player: string, confirmed: PlayerSyncConfirmation, now: number = Date.now()): void {
    this.#db
      .transaction(() => {
        for (const item of [...confirmed.added, ...confirmed.refreshed]) {
          this.#upsert.run(player, item.movieId, item.libraryPath, item.folder, item.videoFile, item.publishedAt, now);
        }
        for (const item of confirmed.removed) this.#delete.run(player, item.movieId, item.videoFile);
        this.#tv.confirm(player, confirmed.shows ?? NOTHING, confirmed.episodes ?? NOTHING, now);
      })
      .immediate();
  }

  /** Whether `player` has not yet confirmed the latest publish of this movie. */
  isUnconfirmed(player: string, movieId: number): boolean {
    return (this.#unconfirmed.get(movieId, player) as { n: number }).n > 0;
  }

  /** Whether `player` has not yet confirmed the latest publish of this show or of one of its episode files. */
  isShowUnconfirmed(player: string, showId: number): boolean {
    return this.#tv.isShowUnconfirmed(player, showId);
  }

  /** The player's current sync generation (0 before its first finished sync). */
  generation(player: string): number {
    const row = this.#generation.get(player) as { generation: number } | undefined;
    return row?.generation ?? 0;
  }

  /** Moves the player's generation forward (a sync finished) and returns the new one. */
  advanceGeneration(player: string, now: number = Date.now()): number {
    return (this.#advance.get(player, now) as { generation: number }).generation;
  }
}
