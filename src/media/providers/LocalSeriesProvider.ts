/**
 * The series capability of `LocalProvider`: shows, seasons and episodes from the
 * catalogue's `series` section (see `localSeriesCatalogue.ts`), read from the same file
 * as the movies.
 */
import path from 'node:path';
import { ProviderError } from '../errors.js';
import type {
  EpisodeDetails,
  SeasonDetails,
  SeriesArtworkCandidate,
  SeriesDetails,
  SeriesProvider,
  SeriesQuery,
  SeriesSearchResult,
} from '../tv/types.js';
import type { CastMember, ProviderRequestOptions } from '../types.js';
import { extensionOf, resolveSource } from './catalogueSources.js';
import type { LocalCatalogue } from './localCatalogue.js';
import type { LocalEpisode, LocalSeason, LocalSeries } from './localSeriesCatalogue.js';
import { titleKey } from './titleMatch.js';

/** Loads the validated catalogue (cached by its owner while the file is unchanged). */
export type CatalogueLoader = (signal: AbortSignal | undefined) => Promise<LocalCatalogue>;

/** The texts of a language: exact tag first (`de-AT`), then its base (`de`). */
function translated<T>(translations: Record<string, T>, language: string): T | undefined {
  const base = language.split('-')[0] ?? language;
  return translations[language] ?? translations[base];
}

type ArtworkEntry = {
  kind?: SeriesArtworkCandidate['kind'];
  url: string;
  language?: string | null | undefined;
  width: number;
  height: number;
  votes: number;
  ext?: string | undefined;
};

/**
 * Series from the local catalogue. Constructed by `LocalProvider` (as its `series`), not
 * on its own.
 *
 * @example
 * ```ts
 * const local = new LocalProvider({ cataloguePath: '/etc/media/catalogue.json' });
 * const [hit] = await local.series.searchSeries({ title: 'Breaking Bad', language: 'en' });
 * ```
 */
export class LocalSeriesProvider implements SeriesProvider {
  readonly #cataloguePath: string;
  readonly #load: CatalogueLoader;

  constructor(cataloguePath: string, load: CatalogueLoader) {
    this.#cataloguePath = cataloguePath;
    this.#load = load;
  }

  /**
   * Ids from the folder name first: an entry whose `providerIds` (or own id, as `local`)
   * has one of them. Otherwise the title's key (see `titleKey`) against title, original
   * title, aliases and translated titles; with a year, shows of that year first, one year
   * off next, others left out (as for movies: a curated catalogue gains nothing from
   * fuzzy hits).
   */
  async searchSeries(query: SeriesQuery, signal?: AbortSignal): Promise<SeriesSearchResult[]> {
    const { series } = await this.#load(signal);
    const ids = Object.entries(query.ids ?? {}).filter((entry): entry is [string, string] => Boolean(entry[1]));
    const byId = series.filter((show) => ids.some(([type, id]) => (type === 'local' ? show.id === id : show.providerIds[type] === id)));
    const wanted = titleKey(query.title);
    const yearOf = (show: LocalSeries): number | undefined =>
      show.year ?? (show.premiered ? Number(show.premiered.slice(0, 4)) : undefined);
    const distance = (show: LocalSeries): number => {
      const year = yearOf(show);
      return query.year === undefined || year === undefined ? 0 : Math.abs(year - query.year);
    };
    const hits =
      byId.length > 0
        ? byId
        : series.filter((show) => {
            const titles = [show.title, show.originalTitle, ...show.aliases, ...Object.values(show.translations).map((t) => t.title)];
            return wanted !== '' && titles.some((title) => title !== undefined && titleKey(title) === wanted) && distance(show) <= 1;
          });
    return hits
      .sort((a, b) => distance(a) - distance(b))
      .map((show) => ({
        id: show.id,
        title: translated(show.translations, query.language)?.title ?? show.title,
        originalTitle: show.originalTitle ?? null,
        year: yearOf(show) ?? null,
      }));
  }

  /** The show's entry, with title and plot from its translation for `language` when there is one. */
  async seriesDetails(id: string, options: ProviderRequestOptions, signal?: AbortSignal): Promise<SeriesDetails> {
    const show = await this.#find(id, signal);
    const texts = translated(show.translations, options.language);
    return {
      providerIds: { ...show.providerIds },
      title: texts?.title ?? show.title,
      originalTitle: show.originalTitle ?? null,
      year: show.year ?? (show.premiered ? Number(show.premiered.slice(0, 4)) : null),
      plot: texts?.plot ?? show.plot ?? null,
      premiered: show.premiered ?? null,
      status: show.status ?? null,
      genres: [...show.genres],
      studios: [...show.studios],
      certification: show.certification ?? null,
      rating: show.rating ?? null,
      votes: show.votes ?? null,
      runtimeMinutes: show.runtimeMinutes ?? null,
      cast: this.#cast(show.cast),
      seasons: show.seasons.map((season) => this.#summary(season, options.language)).sort((a, b) => a.seasonNumber - b.seasonNumber),
    };
  }

  /** One season with its episodes and posters; `ProviderError` 404 when the show has no such season. */
  async seasonDetails(id: string, seasonNumber: number, options: { language: string }, signal?: AbortSignal): Promise<SeasonDetails> {
    const show = await this.#find(id, signal);
    const season = show.seasons.find((s) => s.number === seasonNumber);
    if (!season) {
      throw new ProviderError('local', this.#cataloguePath, 404, `series "${id}" has no season ${seasonNumber} in the catalogue`);
    }
    return {
      ...this.#summary(season, options.language),
      episodes: season.episodes.map((episode) => this.#episode(season.number, episode, options.language)),
      artwork: season.artwork.map((art) => this.#artwork(art)),
    };
  }

  /** The show's artwork entries, every language; relative paths resolved against the catalogue's folder. */
  async seriesArtwork(id: string, _options: { language: string }, signal?: AbortSignal): Promise<SeriesArtworkCandidate[]> {
    const show = await this.#find(id, signal);
    return show.artwork.map((art) => this.#artwork(art));
  }

  #summary(season: LocalSeason, language: string) {
    const texts = translated(season.translations, language);
    return {
      seasonNumber: season.number,
      name: texts?.name ?? season.name ?? null,
      plot: texts?.plot ?? season.plot ?? null,
      premiered: season.premiered ?? null,
      episodeCount: season.episodes.length,
    };
  }

  #episode(seasonNumber: number, episode: LocalEpisode, language: string): EpisodeDetails {
    const texts = translated(episode.translations, language);
    return {
      providerIds: { ...episode.providerIds },
      seasonNumber,
      episodeNumber: episode.number,
      title: texts?.title ?? episode.title,
      plot: texts?.plot ?? episode.plot ?? null,
      aired: episode.aired ?? null,
      runtimeMinutes: episode.runtimeMinutes ?? null,
      rating: episode.rating ?? null,
      votes: episode.votes ?? null,
      directors: [...episode.directors],
      writers: [...episode.writers],
      guestStars: this.#cast(episode.guestStars),
      thumbs: episode.thumbs.map((thumb) => this.#artwork({ ...thumb, kind: 'thumb' })),
    };
  }

  #cast(cast: LocalSeries['cast']): CastMember[] {
    const dir = path.dirname(this.#cataloguePath);
    return cast.map((member, index) => ({
      name: member.name,
      role: member.role,
      order: member.order ?? index,
      ...(member.thumb ? { thumbUrl: resolveSource(dir, member.thumb) } : {}),
    }));
  }

  #artwork(art: ArtworkEntry): SeriesArtworkCandidate {
    const url = resolveSource(path.dirname(this.#cataloguePath), art.url);
    const ext = art.ext ?? extensionOf(url);
    return {
      kind: art.kind ?? 'thumb',
      url,
      language: art.language ?? null,
      width: art.width,
      height: art.height,
      votes: art.votes,
      ...(ext ? { ext: ext.toLowerCase() } : {}),
    };
  }

  async #find(id: string, signal: AbortSignal | undefined): Promise<LocalSeries> {
    const { series } = await this.#load(signal);
    const show = series.find((candidate) => candidate.id === id);
    if (!show) throw new ProviderError('local', this.#cataloguePath, 404, `no series with id "${id}" in the catalogue`);
    return show;
  }
}
