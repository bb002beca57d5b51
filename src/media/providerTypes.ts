/**
 * The provider types that movies and series share: ids in outside databases, cast,
 * artwork and request options. On their own so that the movie types (`types.ts`) and the
 * series types (`tv/types.ts`) both build on them without importing each other.
 */

/**
 * Ids of the movie in outside databases. `tmdb` and `imdb` (`tt0133093`) are the ones
 * Kodi understands as `<uniqueid>`; others may be added by other providers.
 */
export interface ProviderIds {
  tmdb?: string;
  imdb?: string;
  [provider: string]: string | undefined;
}

/** One actor of the cast. */
export interface CastMember {
  name: string;
  /** Character played; '' when the provider does not say. */
  role: string;
  /** Billing order, 0 first. */
  order: number;
  /** Photo of the actor, http(s) URL or a local file path; absent when there is none. */
  thumbUrl?: string;
}

/**
 * Kinds of artwork Kodi knows. The pipeline fetches and publishes `poster`, `fanart`,
 * `clearlogo` and `trailer`; the others are accepted so providers can pass them through.
 */
export type ArtworkKind = 'poster' | 'fanart' | 'clearlogo' | 'trailer' | 'banner' | 'landscape' | 'clearart' | 'discart';

/** Every {@link ArtworkKind}, in a stable order (handy for zod enums and loops). */
export const ARTWORK_KINDS = [
  'poster',
  'fanart',
  'clearlogo',
  'trailer',
  'banner',
  'landscape',
  'clearart',
  'discart',
] as const satisfies readonly ArtworkKind[];

/** One piece of artwork a provider offers. Selection happens later, by the enrich phase. */
export interface ArtworkCandidate {
  kind: ArtworkKind;
  /** http(s) URL or absolute local file path of the image (or trailer). */
  url: string;
  /** Language of text in the image (`en`), or null when it has none (most fanart). */
  language: string | null;
  /** Pixels; for trailers the frame width (0 when unknown). */
  width: number;
  /** Pixels; for trailers the frame height, e.g. 1080 (0 when unknown). */
  height: number;
  /** Community score (TMDB's `vote_average`), higher is better; 0 when the provider has none. */
  votes: number;
  /** How many votes {@link votes} averages; breaks ties between equal scores. @default 0 */
  voteCount?: number;
  /**
   * File extension without the dot (`jpg`, `png`, `mp4`) when `url` is a downloadable
   * file. Absent for trailers that are only a web page (e.g. a YouTube video): those can
   * be referenced from the NFO but not saved next to the movie.
   */
  ext?: string;
}

/** What a provider's `details` and `artwork` (of a movie or a series) are asked in. */
export interface ProviderRequestOptions {
  /** Language of texts and preferred artwork, as in a movie query's `language`. */
  language: string;
  /**
   * ISO 3166-1 alpha-2 country (`US`, `DE`) whose age rating goes into `certification`.
   * @default the provider's own default (TMDB: `US`)
   */
  country?: string;
}
