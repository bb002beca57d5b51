/**
 * Language fallback for TMDB texts, shared by the TMDB providers. TMDB answers a request
 * in one language with that language's texts, and with an empty overview or tagline where
 * no one translated them (https://developer.themoviedb.org/docs/languages). Kodi's TMDB
 * scraper then falls back to English; these helpers do the same, then to the original
 * language, reading the `translations` TMDB appends to a movie (or series).
 */
import type { TmdbTranslation } from './tmdbSchemas.js';

/** The language part of a tag, lower-case: `de-DE` and `de` → `de`. */
export function primaryLanguage(tag: string): string {
  return (tag.split(/[-_]/)[0] ?? '').toLowerCase();
}

/** The first value that is a non-empty string (after trimming), or null. */
export function firstText(...values: (string | null | undefined)[]): string | null {
  for (const value of values) if (typeof value === 'string' && value.trim() !== '') return value;
  return null;
}

/**
 * The translation of one language: the tag's own region first (`pt-BR`), then the
 * language's home region (`de-DE`, `fr-FR`), then any translation of that language.
 */
export function translationFor(
  translations: readonly TmdbTranslation[] | null | undefined,
  tag: string | null | undefined,
): TmdbTranslation['data'] | undefined {
  if (!translations || !tag) return undefined;
  const language = primaryLanguage(tag);
  const region = /^[a-z]{2,3}[-_]([a-z]{2})$/i.exec(tag)?.[1]?.toUpperCase() ?? language.toUpperCase();
  const ofLanguage = translations.filter((t) => t.iso_639_1.toLowerCase() === language);
  const chosen = ofLanguage.find((t) => t.iso_3166_1?.toUpperCase() === region) ?? ofLanguage[0];
  return chosen?.data ?? undefined;
}

/** The texts a localized field falls back through: the wanted language, English, the original language. */
export interface LocalizedText {
  /** What TMDB answered for the requested language ('' when untranslated). */
  answered: string | null | undefined;
  /** Picks the field out of one translation. */
  field: (data: NonNullable<TmdbTranslation['data']>) => string | null | undefined;
}

/**
 * A text in the wanted language, else English, else the original language, else null.
 *
 * @example
 * ```ts
 * localizedText(movie.translations?.translations, 'de', movie.original_language, { answered: movie.overview, field: (d) => d.overview });
 * ```
 */
export function localizedText(
  translations: readonly TmdbTranslation[] | null | undefined,
  language: string,
  originalLanguage: string | null | undefined,
  text: LocalizedText,
): string | null {
  const from = (tag: string | null | undefined): string | null | undefined => {
    const data = translationFor(translations, tag);
    return data ? text.field(data) : undefined;
  };
  return firstText(text.answered, from(language), from('en'), from(originalLanguage));
}
