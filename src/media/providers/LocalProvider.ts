/**
 * Metadata from a JSON catalogue file (see `localCatalogueSchema`): the provider of the
 * demo and of installs without internet access. The file is re-read when it changes.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError, describeIssues, parseWithIssues } from '../../index.js';
import { ProviderError } from '../errors.js';
import type { SeriesProvider } from '../tv/types.js';
import type { ArtworkCandidate, MetadataProvider, MovieDetails, MovieQuery, MovieSearchResult, ProviderRequestOptions } from '../types.js';
import { extensionOf, resolveSource } from './catalogueSources.js';
import { type LocalCatalogue, type LocalMovie, localCatalogueSchema } from './localCatalogue.js';
import { LocalSeriesProvider } from './LocalSeriesProvider.js';
import { titleKey } from './titleMatch.js';

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
   * Ids from the folder name first: an entry whose `providerIds` (or own id, as `local`)
   * has one of them. Otherwise the title's key (see `titleKey`) against title, original
   * title, aliases and translated titles. With a year, movies of that year come first,
   * then those one year off (folder years are often the festival year); others are left
   * out. Exact matches only: a catalogue is curated, so fuzzy hits would mostly be wrong
   * movies.
   */
  async search(query: MovieQuery, signal?: AbortSignal): Promise<MovieSearchResult[]> {
    const catalogue = await this.#load(signal);
    const ids = Object.entries(query.ids ?? {}).filter((entry): entry is [string, string] => Boolean(entry[1]));
    const byId = catalogue.movies.filter((movie) =>
      ids.some(([type, id]) => (type === this.name ? movie.id === id : movie.providerIds[type] === id)),
    );
    const wanted = titleKey(query.title);
    const hits =
      byId.length > 0
        ? byId
        : catalogue.movies.filter((movie) => {
            const titles = [movie.title, movie.originalTitle, ...movie.aliases, ...Object.values(movie.translations).map((t) => t.title)];
            if (wanted === '' || !titles.some((title) => title !== undefined && titleKey(title) === wanted)) return false;
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
  async details(id: string, options: ProviderRequestOptions, signal?: AbortSignal): Promise<MovieDetails> {
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

  /** The movie's artwork entries, every language; relative paths resolved against the catalogue's folder. */
  async artwork(id: string, _options: ProviderRequestOptions, signal?: AbortSignal): Promise<ArtworkCandidate[]> {
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

  /**
   * Reads and validates the catalogue now, so that a host (or the CLI) can refuse a
   * missing or broken file before any job runs, instead of failing every enrich job.
   * Returns how many movies and series it holds; either may be 0 (a catalogue for a TV
   * library only has no movies, and is valid).
   *
   * @throws ProviderError when the file cannot be read; ValidationError when it is not a valid catalogue
   */
  async verify(): Promise<{ movies: number; series: number }> {
    const catalogue = await this.#load(undefined);
    return { movies: catalogue.movies.length, series: catalogue.series.length };
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
      throw new ValidationError(`Catalogue ${this.#cataloguePath} is not valid JSON`, [{ path: '', message: (error as Error).message }]);
    }
    const parsed = parseWithIssues(localCatalogueSchema, json);
    if (!parsed.success) {
      throw new ValidationError(`Catalogue ${this.#cataloguePath} is invalid: ${describeIssues(parsed.issues, '(root)')}`, parsed.issues);
    }
    this.#cache = { key, catalogue: parsed.data };
    return parsed.data;
  }
}
