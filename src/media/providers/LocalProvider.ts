/**
 * Metadata from a JSON catalogue file (see `localCatalogueSchema`): the provider of the
 * demo and of installs without internet access. The file is re-read when it changes.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '../../errors.js';
import { ProviderError } from '../errors.js';
import type { SeriesProvider } from '../tv/types.js';
import type { ArtworkCandidate, MetadataProvider, MovieDetails, MovieQuery, MovieSearchResult } from '../types.js';
import { extensionOf, normalizeTitle, resolveSource } from './catalogueSources.js';
import { type LocalCatalogue, type LocalMovie, localCatalogueSchema } from './localCatalogue.js';
import { LocalSeriesProvider } from './LocalSeriesProvider.js';

export { normalizeTitle } from './catalogueSources.js';

/** Options of {@link LocalProvider}. */
export interface LocalProviderOptions {
  /** Path of the catalogue JSON file; relative artwork paths in it are relative to its folder. */
  cataloguePath: string;
}

/** The catalogue's texts for a language: exact tag first (`de-AT`), then its base (`de`). */
function translationFor(movie: LocalMovie, language: string): LocalMovie['translations'][string] | undefined {
  const base = language.split('-')[0] ?? language;
  return movie.translations[language] ?? movie.translations[base];
}

/**
 * Catalogue-backed provider.
 *
 * @example
 * ```ts
 * const local = new LocalProvider({ cataloguePath: '/etc/movies/catalogue.json' });
 * const [hit] = await local.search({ title: 'The Matrix', year: 1999, language: 'en' });
 * ```
 */
export class LocalProvider implements MetadataProvider {
  readonly name = 'local';
  /** The catalogue's `series` section, read from the same file (see `LocalSeriesProvider`). */
  readonly series: SeriesProvider;
  readonly #cataloguePath: string;
  #cache: { key: string; catalogue: LocalCatalogue } | undefined;

  constructor(options: LocalProviderOptions) {
    this.#cataloguePath = path.resolve(options.cataloguePath);
    this.series = new LocalSeriesProvider(this.#cataloguePath, (signal) => this.#load(signal));
  }

  /**
   * Matches the normalised title against title, original title, aliases and translated
   * titles. With a year, movies of that year come first, then those one year off (folder
   * years are often the festival year); others are left out. Exact matches only: a
   * catalogue is curated, so fuzzy hits would mostly be wrong movies.
   */
  async search(query: MovieQuery, signal?: AbortSignal): Promise<MovieSearchResult[]> {
    const catalogue = await this.#load(signal);
    const wanted = normalizeTitle(query.title);
    const hits = catalogue.movies.filter((movie) => {
      const titles = [movie.title, movie.originalTitle, ...movie.aliases, ...Object.values(movie.translations).map((t) => t.title)];
      if (!titles.some((title) => title !== undefined && normalizeTitle(title) === wanted)) return false;
      return query.year === undefined || movie.year === undefined || Math.abs(movie.year - query.year) <= 1;
    });
    const distance = (movie: LocalMovie): number =>
      query.year === undefined || movie.year === undefined ? 0 : Math.abs(movie.year - query.year);
    return hits
      .sort((a, b) => distance(a) - distance(b))
      .map((movie) => ({
        id: movie.id,
        title: translationFor(movie, query.language)?.title ?? movie.title,
        originalTitle: movie.originalTitle ?? null,
        year: movie.year ?? null,
      }));
  }

  /** The movie's entry, with title/plot/tagline from its translation for `language` when there is one. */
  async details(id: string, options: { language: string }, signal?: AbortSignal): Promise<MovieDetails> {
    const movie = await this.#find(id, signal);
    const translation = translationFor(movie, options.language);
    const dir = path.dirname(this.#cataloguePath);
    return {
      providerIds: { ...movie.providerIds },
      title: translation?.title ?? movie.title,
      originalTitle: movie.originalTitle ?? null,
      year: movie.year ?? (movie.premiered ? Number(movie.premiered.slice(0, 4)) : null),
      plot: translation?.plot ?? movie.plot ?? null,
      tagline: translation?.tagline ?? movie.tagline ?? null,
      runtimeMinutes: movie.runtimeMinutes ?? null,
      genres: [...movie.genres],
      studios: [...movie.studios],
      premiered: movie.premiered ?? null,
      rating: movie.rating ?? null,
      votes: movie.votes ?? null,
      certification: movie.certification ?? null,
      cast: movie.cast.map((member, index) => ({
        name: member.name,
        role: member.role,
        order: member.order ?? index,
        ...(member.thumb ? { thumbUrl: resolveSource(dir, member.thumb) } : {}),
      })),
      directors: [...movie.directors],
      writers: [...movie.writers],
    };
  }

  /** The movie's artwork entries; relative paths resolved against the catalogue's folder. */
  async artwork(id: string, signal?: AbortSignal): Promise<ArtworkCandidate[]> {
    const movie = await this.#find(id, signal);
    const dir = path.dirname(this.#cataloguePath);
    return movie.artwork.map((art) => {
      const url = resolveSource(dir, art.url);
      const ext = art.ext ?? extensionOf(url);
      return {
        kind: art.kind,
        url,
        language: art.language ?? null,
        width: art.width,
        height: art.height,
        votes: art.votes,
        ...(ext ? { ext: ext.toLowerCase() } : {}),
      };
    });
  }

  async #find(id: string, signal: AbortSignal | undefined): Promise<LocalMovie> {
    const catalogue = await this.#load(signal);
    const movie = catalogue.movies.find((candidate) => candidate.id === id);
    if (!movie) throw new ProviderError(this.name, this.#cataloguePath, 404, `no movie with id "${id}" in the catalogue`);
    return movie;
  }

  /** Reads and validates the catalogue, reusing the last result while the file is unchanged. */
  async #load(signal: AbortSignal | undefined): Promise<LocalCatalogue> {
    signal?.throwIfAborted();
    let raw: string;
    let key: string;
    try {
      const info = await stat(this.#cataloguePath);
      key = `${info.mtimeMs}:${info.size}`;
      if (this.#cache?.key === key) return this.#cache.catalogue;
      raw = await readFile(this.#cataloguePath, { encoding: 'utf8', signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new ProviderError(this.name, this.#cataloguePath, null, `cannot read the catalogue: ${(error as Error).message}`, {
        cause: error,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      throw new ValidationError(`Catalogue ${this.#cataloguePath} is not valid JSON`, [
        { path: '', message: (error as Error).message },
      ]);
    }
    const parsed = localCatalogueSchema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
      throw new ValidationError(
        `Catalogue ${this.#cataloguePath} is invalid: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
        issues,
      );
    }
    this.#cache = { key, catalogue: parsed.data };
    return parsed.data;
  }
}
