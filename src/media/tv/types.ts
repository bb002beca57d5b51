/**
 * The series side of a metadata provider: what a provider answers about TV shows, their
 * seasons and episodes, and the artwork of each. A provider offers it as the optional
 * `series` capability of {@link MetadataProvider}; the TV pipeline (`enrich-tvshow`) uses
 * it when present and publishes what the scan knows when not.
 *
 * The calls follow how TMDB serves series: `searchSeries` → `/search/tv` (or `/tv/{id}`,
 * `/find/{id}` for ids in the folder name), `seriesDetails` → `/tv/{id}` (with credits,
 * external ids, content ratings, translations), `seasonDetails` → `/tv/{id}/season/{n}`
 * (episodes with their crew and guest stars, the season's posters), `seriesArtwork` →
 * `/tv/{id}/images`, and the optional `episodeArtwork` →
 * `/tv/{id}/season/{n}/episode/{e}/images`. Plain data only, like `../types.ts`.
 */
import type { ArtworkCandidate, CastMember, ProviderIds, ProviderRequestOptions } from '../providerTypes.js';

/** Ids of a show (or episode) in outside databases: `tmdb`, `tvdb`, `imdb` are the ones Kodi reads. */
export type SeriesIds = ProviderIds & { tvdb?: string };

/** What to look a show up by: parsed from its folder name ("Doctor Who (2005)"). */
export interface SeriesQuery {
  /** Title as parsed from the show folder; may end in a country ("The Office (US)"). */
  title: string;
  /** Year the show first aired, when the folder says; narrows the search. */
  year?: number;
  /** Language of the answer, a BCP 47 tag (`en-US`) or a bare code (`en`). */
  language: string;
  /**
   * Ids written in the folder name (`{tmdb-1396}`, `{tvdb-81189}`, `tt0903747`), by
   * provider. A provider that can resolve them looks them up before any title search,
   * and searches by title when they lead nowhere.
   */
  ids?: SeriesIds;
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
  providerIds: SeriesIds;
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
  providerIds: SeriesIds;
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
  /**
   * Stills of the episode, written as `<episode file>-thumb.jpg`. A provider with
   * {@link SeriesProvider.episodeArtwork} may leave this empty (its season answer does not
   * say how large the stills are).
   */
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
 *   const show = await series.seriesDetails(hit!.id, { language: 'en', country: 'US' });
 *   const season1 = await series.seasonDetails(hit!.id, 1, { language: 'en' });
 * }
 * ```
 */
export interface SeriesProvider {
  /**
   * Finds the show a folder names: by `query.ids` first when the provider can resolve
   * them, else by title and first-aired year. Returns only shows that match (the same
   * title, a year at most one off), best first; `[]` when none does. The enrich phase
   * takes the first, so an unrelated hit must never be returned.
   */
  searchSeries(query: SeriesQuery, signal?: AbortSignal): Promise<SeriesSearchResult[]>;
  /** The show's details, main cast and season list; `certification` for `options.country`. */
  seriesDetails(id: string, options: ProviderRequestOptions, signal?: AbortSignal): Promise<SeriesDetails>;
  /** One season with its episodes (0 for specials). Throws `ProviderError` 404 for a season the provider does not have. */
  seasonDetails(id: string, seasonNumber: number, options: { language: string }, signal?: AbortSignal): Promise<SeasonDetails>;
  /**
   * The show's own artwork (poster, fanart, clearlogo, …): at least that in
   * `options.language`, in English and without text; the enrich phase ranks and caps it.
   */
  seriesArtwork(id: string, options: { language: string }, signal?: AbortSignal): Promise<SeriesArtworkCandidate[]>;
  /**
   * Every still of one episode, with its size (`kind: 'thumb'`). Optional: a provider
   * whose {@link SeasonDetails} already list the stills leaves it out; the enrich phase
   * asks it only for episodes on disk whose data it reads, and only when stills are kept.
   */
  episodeArtwork?(
    id: string,
    seasonNumber: number,
    episodeNumber: number,
    options: { language: string },
    signal?: AbortSignal,
  ): Promise<SeriesArtworkCandidate[]>;
}
