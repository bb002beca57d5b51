/**
 * Domain types of the reference media pipeline: what a metadata provider answers, the
 * artwork it offers, and how a media player is reached. Plain data only, so handlers,
 * storage and tests can share them without pulling in any I/O.
 */
// The series capability of a provider lives beside these types, in its own file; what
// both share is in providerTypes.ts.
import type { ArtworkCandidate, CastMember, ProviderIds, ProviderRequestOptions } from './providerTypes.js';
import type { SeriesProvider } from './tv/types.js';

export { ARTWORK_KINDS } from './providerTypes.js';
export type { ArtworkCandidate, ArtworkKind, CastMember, ProviderIds, ProviderRequestOptions } from './providerTypes.js';

/** What to look a movie up by: usually parsed from its folder name ("The Matrix (1999)"). */
export interface MovieQuery {
  /** Title as parsed from the folder or file name. */
  title: string;
  /** Release year, when known; narrows the search a lot. */
  year?: number;
  /** Language of the answer, as a BCP 47 tag (`en-US`, `de-DE`) or a bare code (`en`). */
  language: string;
  /**
   * Ids written in the folder or file name (`{tmdb-603}`, `tt0133093`). A provider that can
   * resolve them looks them up before any title search, and searches by title when they
   * lead nowhere (an id the provider does not know).
   */
  ids?: ProviderIds;
}

/** One match of {@link MetadataProvider.search}, best first. */
export interface MovieSearchResult {
  /** The provider's own id, passed back to `details` and `artwork`. */
  id: string;
  title: string;
  originalTitle: string | null;
  /** Year of release, or null when the provider does not know it. */
  year: number | null;
}

/** The collection ("set") a movie belongs to, e.g. "The Matrix Collection". */
export interface MovieSet {
  name: string;
  /** Summary of the collection, or null when the provider has none. */
  overview: string | null;
}

/** Everything the NFO needs about a movie, as returned by {@link MetadataProvider.details}. */
export interface MovieDetails {
  /** Ids in outside databases known for this movie (written as `<uniqueid>`). */
  providerIds: ProviderIds;
  /** Title in the requested language. */
  title: string;
  /** Title in the original language, or null when the provider gives none. */
  originalTitle: string | null;
  year: number | null;
  /** Long summary. */
  plot: string | null;
  tagline: string | null;
  /** Running time in minutes (Kodi's unit for `<runtime>`). */
  runtimeMinutes: number | null;
  genres: string[];
  /** Production companies. */
  studios: string[];
  /** First release date, `YYYY-MM-DD`. */
  premiered: string | null;
  /** Average user rating on a 0–10 scale. */
  rating: number | null;
  /** Number of votes behind {@link rating}. */
  votes: number | null;
  /** Age rating for the requested country, e.g. `PG-13`, `FSK 12`; null when unknown. */
  certification: string | null;
  /** Always present (possibly empty): actors are part of every details call. */
  cast: CastMember[];
  directors: string[];
  /** Screenplay and story credits. */
  writers: string[];
  /** The collection the movie belongs to (Kodi's `<set>`); absent or null when none. */
  set?: MovieSet | null;
}

/**
 * Source of movie metadata. Implementations do HTTP or file I/O, honour `signal`, and
 * throw `ProviderError` (never return partial data) when the source fails.
 *
 * @example
 * ```ts
 * const [hit] = await provider.search({ title: 'The Matrix', year: 1999, language: 'en-US' }, signal);
 * if (hit) {
 *   const details = await provider.details(hit.id, { language: 'en-US', country: 'US' }, signal);
 *   const art = await provider.artwork(hit.id, { language: 'en-US' }, signal);
 * }
 * ```
 */
export interface MetadataProvider {
  /** Short stable name (`tmdb`, `local`), used in logs and as the key in `providerIds`. */
  readonly name: string;
  /**
   * Finds the movie a folder names: by `query.ids` first when the provider can resolve
   * them, else by title and year. Returns only movies that match (a title that is the
   * same, a year at most one off), best first; `[]` when none does. The enrich phase
   * takes the first, so an unrelated hit must never be returned.
   */
  search(query: MovieQuery, signal?: AbortSignal): Promise<MovieSearchResult[]>;
  /** Full details of one movie, cast included. Throws `ProviderError` (status 404) for an unknown id. */
  details(id: string, options: ProviderRequestOptions, signal?: AbortSignal): Promise<MovieDetails>;
  /**
   * The artwork candidates of one movie: at least those in `options.language`, in English
   * and without text; the enrich phase ranks and caps them.
   */
  artwork(id: string, options: ProviderRequestOptions, signal?: AbortSignal): Promise<ArtworkCandidate[]>;
  /**
   * TV series, when the provider has them (see `SeriesProvider`). Without it, TV
   * libraries are published with what the scan knows (titles from folder names, numbers
   * from file names).
   */
  readonly series?: SeriesProvider;
}

/**
 * Rewrites the start of a path: the library path `from` is seen by the player as `to`.
 * When several mappings match, the longest `from` wins.
 */
export interface PathMapping {
  /** Prefix as the library (this process) sees it, e.g. `/srv/media/movies`. */
  from: string;
  /** Same place as the player sees it, e.g. `smb://nas/movies` or `/data/movies`. */
  to: string;
}

interface PlayerConfigBase {
  /** Name of this player in logs and job payloads, unique among the configured players. */
  name: string;
  /** Base URL of the player's HTTP API, e.g. `http://kodi.local:8080`. */
  url: string;
  /** How library paths look from the player; unmapped paths are sent unchanged. */
  pathMap?: PathMapping[];
}

/** Kodi, reached by JSON-RPC 2.0 over HTTP with basic auth. */
export interface KodiPlayerConfig extends PlayerConfigBase {
  kind: 'kodi';
  auth: { username: string; password: string };
}

/** Jellyfin (or Emby), reached with an API key. */
export interface JellyfinPlayerConfig extends PlayerConfigBase {
  kind: 'jellyfin';
  auth: { apiKey: string };
}

/**
 * Plex Media Server, reached with an `X-Plex-Token`. `sectionId` is the movie library's
 * section; without it the section is found by matching the library folder (mapped) with
 * the sections' locations (`GET /library/sections`).
 */
export interface PlexPlayerConfig extends PlayerConfigBase {
  kind: 'plex';
  auth: { token: string; sectionId?: string | number };
}

/** A media player to tell about library changes, as configured by the host. */
export type PlayerConfig = KodiPlayerConfig | JellyfinPlayerConfig | PlexPlayerConfig;

/** `'kodi' | 'jellyfin' | 'plex'`. */
export type PlayerKind = PlayerConfig['kind'];

/** One movie a player sync covers, as this process sees it (paths are mapped when sent). */
export interface PlayerSyncItem {
  movieId: number;
  /** Library root the movie belongs to. */
  libraryPath: string;
  /** Folder holding the video file. */
  folder: string;
  videoFile: string;
  /** The publish the sync covers (for a removal: the last one the player confirmed). */
  publishedAt: number;
}

/** One TV show a player sync covers: its folder (what Kodi lists it by). */
export interface TvShowSyncItem {
  showId: number;
  /** Library root the show belongs to. */
  libraryPath: string;
  /** The show folder. */
  folder: string;
  /** The publish the sync covers (for a removal: the last one the player confirmed). */
  publishedAt: number;
}

/** One episode as its NFO numbers it; both null for a daily episode the provider did not number. */
export interface EpisodeNumber {
  season: number | null;
  episode: number | null;
}

/** One episode file a player sync covers: a multi-episode file is one item with several episodes. */
export interface EpisodeFileSyncItem {
  fileId: number;
  showId: number;
  /** Library root the show belongs to. */
  libraryPath: string;
  /** The show folder. */
  showFolder: string;
  /** Folder holding the video file (a season folder, or the show folder). */
  folder: string;
  videoFile: string;
  /** The episodes in the file, in file order, as its NFO numbers them. */
  episodes: readonly EpisodeNumber[];
  /** The publish the sync covers (for a removal: the last one the player confirmed). */
  publishedAt: number;
}

/** What to tell a player of one kind of item: added, changed, removed. */
export interface SyncChanges<T> {
  /** Published items the player must end up holding. */
  added: readonly T[];
  /** Items the player holds whose NFO or artwork changed: it must read them again. */
  changed: readonly T[];
  /** Items the player holds that are gone: it must drop them. */
  removed: readonly T[];
}

/** What a player did with one kind of item. */
export interface SyncOutcome<T> {
  /** Items the player now holds that it did not hold before. */
  added: T[];
  /** Changed items the player read again. */
  refreshed: T[];
  /** Items the player no longer holds. */
  removed: T[];
  /** Items to add or refresh that the player still lacks, and removed ones it still lists. */
  missing: T[];
}

/**
 * What to tell a player: the movies it lacks, the ones that changed, the ones that are
 * gone (`added`, `changed`, `removed`), and the same of TV shows and episode files.
 */
export interface PlayerSyncRequest extends SyncChanges<PlayerSyncItem> {
  /** TV shows (their folders) added, changed (`tvshow.nfo` or show artwork), removed. @default none */
  shows?: SyncChanges<TvShowSyncItem>;
  /** Episode files added, changed (their NFO or still), removed. @default none */
  episodes?: SyncChanges<EpisodeFileSyncItem>;
  /** Kodi only: `VideoLibrary.Clean` of each library folder first (waited for). @default false */
  cleanFirst?: boolean;
  /**
   * Longest wait for a busy player to become idle, and for its scan to finish; past it
   * the sync fails (and the job's retries apply). @default 600_000
   */
  timeoutMs?: number;
  /** Pause between two looks at a scanning player. @default 250 */
  pollMs?: number;
}

/**
 * What a player sync did. `confirmation` says how the outcome is known: `verified` — the
 * player's own library was read back (Kodi); `accepted` — the player accepted the request
 * and scans on its own (Jellyfin and Plex, whose scans cannot be observed through their
 * notification endpoints).
 */
export interface PlayerSyncResult {
  player: string;
  kind: PlayerKind;
  confirmation: 'verified' | 'accepted';
  /** Movies the player now holds that it did not hold before. */
  added: PlayerSyncItem[];
  /** Changed movies the player read again. */
  refreshed: PlayerSyncItem[];
  /** Movies the player no longer holds. */
  removed: PlayerSyncItem[];
  /** Movies to add or refresh that the player still lacks, and removed ones it still lists. */
  missing: PlayerSyncItem[];
  /** The same for TV shows. */
  shows: SyncOutcome<TvShowSyncItem>;
  /** The same for episode files (an episode file counts as held when every episode in it is). */
  episodes: SyncOutcome<EpisodeFileSyncItem>;
  /** HTTP requests made to the player. */
  requests: number;
}
