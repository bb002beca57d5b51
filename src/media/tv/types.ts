/**
 * The series side of a metadata provider: what a provider answers about TV shows, their
 * seasons and episodes, and the artwork of each. A provider offers it as the optional
 * `series` capability of {@link MetadataProvider}; the TV pipeline (`enrich-tvshow`) uses
 * it when present and publishes what the scan knows when not.
 *
 * The calls follow how TMDB serves series, so a TMDB implementation maps one call to one
 * request: `searchSeries` → `/search/tv`, `seriesDetails` → `/tv/{id}` (with credits,
 * external ids, content ratings), `seasonDetails` → `/tv/{id}/season/{n}` (episodes with
 * their stills and crew, the season's posters), `seriesArtwork` → `/tv/{id}/images`.
 * Plain data only, like `../types.ts`.
 */
import type { ArtworkCandidate, CastMember, ProviderIds } from '../types.js';

/** What to look a show up by: parsed from its folder name ("Doctor Who (2005)"). */
export interface SeriesQuery {
  /** Title as parsed from the show folder. */
  title: string;
  /** Year the show first aired, when the folder says; narrows the search. */
  year?: number;
  /** Language of the answer, a BCP 47 tag (`en-US`) or a bare code (`en`). */
  language: string;
}

/** One hit of {@link SeriesProvider.searchSeries}, best match first. */
export interface SeriesSearchResult {
  /** The provider's own id, passed back to the other calls. */
  id: string;
  title: string;
  originalTitle: string | null;
  /** Year the show first aired, or null. */
  year: number | null;
}

/** A season as listed in the show's details (its episodes come from {@link SeriesProvider.seasonDetails}). */
export interface SeasonSummary {
  /** 0 for specials. */
  seasonNumber: number;
  /** "Season 1", or a real name ("The Ricky Gervais Era"); null when the provider has none. */
  name: string | null;
  plot: string | null;
  /** First air date of the season, `YYYY-MM-DD`. */
  premiered: string | null;
  /** Episodes the provider lists for it, 0 when unknown. */
  episodeCount: number;
}

/**
 * Everything `tvshow.nfo` needs about a show. Ids: `tmdb`, `tvdb`, `imdb` are the ones
 * Kodi understands as `<uniqueid>`.
 */
export interface SeriesDetails {
  providerIds: ProviderIds & { tvdb?: string };
  /** Title in the requested language. */
  title: string;
  originalTitle: string | null;
  /** Year of the first episode. */
  year: number | null;
  plot: string | null;
  /** First air date, `YYYY-MM-DD`. */
  premiered: string | null;
  /** As the provider says: `Continuing`, `Ended`, `Returning Series`, `Canceled`, … */
  status: string | null;
  genres: string[];
  /** Networks and production companies. */
  studios: string[];
  /** Content rating for the requested country (`TV-MA`, `FSK 16`), or null. */
  certification: string | null;
  /** 0–10. */
  rating: number | null;
  votes: number | null;
  /** Typical episode length in minutes. */
  runtimeMinutes: number | null;
  /** The main cast; always present, possibly empty. */
  cast: CastMember[];
  /** Every season the provider knows, specials (0) included. */
  seasons: SeasonSummary[];
}

/** One episode of {@link SeasonDetails}. */
export interface EpisodeDetails {
  /** Ids of the episode itself (`tmdb`, `tvdb`, `imdb`), when the provider has them. */
  providerIds: ProviderIds & { tvdb?: string };
  seasonNumber: number;
  episodeNumber: number;
  title: string;
  plot: string | null;
  /** Air date, `YYYY-MM-DD`: how daily shows are matched. */
  aired: string | null;
  runtimeMinutes: number | null;
  rating: number | null;
  votes: number | null;
  directors: string[];
  writers: string[];
  /** Guest stars of this episode (the show's main cast is in {@link SeriesDetails.cast}). */
  guestStars: CastMember[];
  /** Stills of the episode, written as `<episode file>-thumb.jpg`. */
  thumbs: SeriesArtworkCandidate[];
}

/** A season with its episodes and posters. */
export interface SeasonDetails extends SeasonSummary {
  episodes: EpisodeDetails[];
  /** Posters of this season (`season01-poster.jpg`). */
  artwork: SeriesArtworkCandidate[];
}

/** Kinds of series artwork: a show's, a season's, and `thumb` for an episode's still. */
export type SeriesArtworkKind = 'poster' | 'fanart' | 'clearlogo' | 'banner' | 'landscape' | 'clearart' | 'thumb';

/** Every {@link SeriesArtworkKind}, in a stable order (for zod enums and loops). */
export const SERIES_ARTWORK_KINDS = [
  'poster',
  'fanart',
  'clearlogo',
  'banner',
  'landscape',
  'clearart',
  'thumb',
] as const satisfies readonly SeriesArtworkKind[];

/** One piece of series artwork a provider offers; the enrich phase selects. */
export interface SeriesArtworkCandidate extends Omit<ArtworkCandidate, 'kind'> {
  kind: SeriesArtworkKind;
}

/**
 * The series capability of a metadata provider. Implementations honour `signal` and
 * throw `ProviderError` (never partial data) when the source fails; an id or season the
 * provider does not know is a `ProviderError` with status 404.
 *
 * @example
 * ```ts
 * const series = provider.series;
 * if (series) {
 *   const [hit] = await series.searchSeries({ title: 'Breaking Bad', year: 2008, language: 'en' });
 *   const show = await series.seriesDetails(hit!.id, { language: 'en' });
 *   const season1 = await series.seasonDetails(hit!.id, 1, { language: 'en' });
 * }
 * ```
 */
export interface SeriesProvider {
  /** Finds shows by title (and first-aired year); best match first, `[]` when nothing matches. */
  searchSeries(query: SeriesQuery, signal?: AbortSignal): Promise<SeriesSearchResult[]>;
  /** The show's details, main cast and season list. */
  seriesDetails(id: string, options: { language: string }, signal?: AbortSignal): Promise<SeriesDetails>;
  /** One season with its episodes (0 for specials). Throws `ProviderError` 404 for a season the provider does not have. */
  seasonDetails(id: string, seasonNumber: number, options: { language: string }, signal?: AbortSignal): Promise<SeasonDetails>;
  /** The show's own artwork (poster, fanart, clearlogo, …) in every language the provider has. */
  seriesArtwork(id: string, signal?: AbortSignal): Promise<SeriesArtworkCandidate[]>;
}
