/**
 * Kodi's TV NFO files: `tvshow.nfo` (root `<tvshow>`) in the show folder, and
 * `<episode file>.nfo` next to each episode file with one `<episodedetails>` element per
 * episode in the file.
 *
 * A multi-episode file's NFO is then NOT a single-root XML document: it is one XML
 * declaration followed by several `<episodedetails>` elements, each well-formed on its
 * own. That is the form Kodi reads: `CNfoFile::Create` parses the element at the start,
 * and while its `<episode>` is not the one asked for, searches the text for the next
 * `"<episodedetails"` and parses from there (xbmc `xbmc/NfoFile.cpp`). Text never contains
 * that string unescaped, so the search only finds our elements.
 *
 * The XML is built with an XML library, never by string concatenation, so any title
 * (`<`, `&`, `]]>`, quotes, control characters) is escaped.
 */
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { stripXmlInvalid } from '../nfo.js';
import type { CastMember, ProviderIds } from '../types.js';
import type { EpisodeDetails, SeriesDetails } from './types.js';

/**
 * Text as handed to the XML builder, as in the movie NFO: invalid characters dropped, and
 * every `&` escaped first because the builder leaves entity-shaped `&amp;` alone.
 */
function safe(value: string): string {
  return stripXmlInvalid(value).replace(/&/g, '&amp;');
}

/** Appends `<name>text</name>` when the value is present. */
function text(parent: XMLBuilder, name: string, value: string | number | null | undefined): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'number' && !Number.isFinite(value)) return;
  const s = typeof value === 'number' ? String(value) : safe(value);
  if (s === '') return;
  parent.ele(name).txt(s);
}

/** Provider ids in Kodi's preference order for the default `<uniqueid>` of TV items. */
const DEFAULT_ID_ORDER = ['tmdb', 'tvdb', 'imdb'];

function uniqueIds(parent: XMLBuilder, providerIds: ProviderIds): void {
  const ids = Object.entries(providerIds).filter((entry): entry is [string, string] => Boolean(entry[1]));
  const defaultType = DEFAULT_ID_ORDER.find((type) => ids.some(([t]) => t === type)) ?? ids[0]?.[0];
  for (const [type, id] of ids) {
    const attrs: Record<string, string> = { type: safe(type) };
    if (type === defaultType) attrs['default'] = 'true';
    parent.ele('uniqueid', attrs).txt(safe(id));
  }
}

function ratings(parent: XMLBuilder, rating: number | null, votes: number | null, source: string): void {
  if (rating === null) return;
  const r = parent.ele('ratings').ele('rating', { name: safe(source), max: '10', default: 'true' });
  text(r, 'value', rating);
  text(r, 'votes', votes);
}

function actors(parent: XMLBuilder, cast: readonly CastMember[]): void {
  for (const member of [...cast].sort((a, b) => a.order - b.order)) {
    const actor = parent.ele('actor');
    text(actor, 'name', member.name);
    text(actor, 'role', member.role);
    text(actor, 'order', member.order);
    text(actor, 'thumb', member.thumbUrl);
  }
}

const PRETTY = { prettyPrint: true, indent: '  ', newline: '\n' } as const;

/** Options of {@link buildTvShowNfo}. */
export interface TvShowNfoOptions {
  /** Season names written as `<namedseason number="…">`, by season number. */
  seasonNames?: ReadonlyMap<number, string>;
  /** Artwork URLs for kinds not published as local files (Kodi prefers local files). */
  remoteArt?: { poster?: string; fanart?: string; clearlogo?: string };
  /** Name of the rating source in `<ratings>`. @default 'themoviedb' */
  ratingSource?: string;
}

/**
 * Builds a Kodi `tvshow.nfo`: title, originaltitle, showtitle, year, premiered, plot,
 * runtime, mpaa, status, genre*, studio*, uniqueid* (tmdb, then tvdb, then imdb is the
 * default), episodeguide (the ids as JSON, as Kodi 20 writes it), ratings, actor*,
 * namedseason*, and optional remote artwork.
 *
 * @example
 * ```ts
 * const xml = buildTvShowNfo(details, { seasonNames: new Map([[1, 'Season 1']]) });
 * ```
 */
export function buildTvShowNfo(details: SeriesDetails, options: TvShowNfoOptions = {}): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8', standalone: true });
  const show = doc.ele('tvshow');
  text(show, 'title', details.title);
  // Always there (the title when the provider has none): without it Kodi stores "".
  text(show, 'originaltitle', details.originalTitle || details.title);
  text(show, 'showtitle', details.title);
  ratings(show, details.rating, details.votes, options.ratingSource ?? 'themoviedb');
  text(show, 'year', details.year);
  text(show, 'plot', details.plot);
  text(show, 'runtime', details.runtimeMinutes);
  const art = options.remoteArt ?? {};
  if (art.poster) show.ele('thumb', { aspect: 'poster' }).txt(safe(art.poster));
  if (art.clearlogo) show.ele('thumb', { aspect: 'clearlogo' }).txt(safe(art.clearlogo));
  if (art.fanart) show.ele('fanart').ele('thumb').txt(safe(art.fanart));
  text(show, 'mpaa', details.certification);
  uniqueIds(show, details.providerIds);
  const ids = Object.fromEntries(Object.entries(details.providerIds).filter(([, v]) => Boolean(v)));
  if (Object.keys(ids).length > 0) text(show, 'episodeguide', JSON.stringify(ids));
  for (const genre of details.genres) text(show, 'genre', genre);
  text(show, 'premiered', details.premiered);
  text(show, 'status', details.status);
  for (const studio of details.studios) text(show, 'studio', studio);
  actors(show, details.cast);
  for (const [number, name] of [...(options.seasonNames ?? new Map<number, string>())].sort((a, b) => a[0] - b[0])) {
    show.ele('namedseason', { number: String(number) }).txt(safe(name));
  }
  return doc.end(PRETTY) + '\n';
}

/**
 * What an `<episodedetails>` block says: the provider's details, or what the scan knows.
 * Season and episode may be null for a daily show's episode the provider did not match
 * (Kodi then goes by `aired`).
 */
export type EpisodeNfoDetails = Omit<EpisodeDetails, 'seasonNumber' | 'episodeNumber' | 'thumbs'> & {
  seasonNumber: number | null;
  episodeNumber: number | null;
};

/** One episode of an episode NFO. */
export interface EpisodeNfoEntry {
  details: EpisodeNfoDetails;
  /** A still's URL for `<thumb>`, when it is not published as `<name>-thumb.jpg`. */
  remoteThumb?: string;
}

/**
 * Builds the NFO of one episode file: one `<episodedetails>` (title, season, episode,
 * plot, aired, runtime, uniqueid*, ratings, credits*, director*, actor*, thumb) per
 * episode, in file order, after a single XML declaration. One entry gives an ordinary
 * XML document; several give the multi-episode form Kodi reads (see the module comment).
 *
 * @throws RangeError when `entries` is empty
 * @example
 * ```ts
 * const xml = buildEpisodeNfo([{ details: e2 }, { details: e3 }]); // S01E02E03.mkv
 * ```
 */
export function buildEpisodeNfo(entries: readonly EpisodeNfoEntry[], options: { ratingSource?: string } = {}): string {
  if (entries.length === 0) throw new RangeError('An episode NFO needs at least one episode');
  const declaration = create({ version: '1.0', encoding: 'UTF-8', standalone: true }).end({ headless: false }).trim();
  const blocks = entries.map(({ details, remoteThumb }) => {
    const doc = create();
    const episode = doc.ele('episodedetails');
    text(episode, 'title', details.title);
    text(episode, 'season', details.seasonNumber);
    text(episode, 'episode', details.episodeNumber);
    ratings(episode, details.rating, details.votes, options.ratingSource ?? 'themoviedb');
    text(episode, 'plot', details.plot);
    text(episode, 'runtime', details.runtimeMinutes);
    if (remoteThumb) text(episode, 'thumb', remoteThumb);
    uniqueIds(episode, details.providerIds);
    for (const writer of details.writers) text(episode, 'credits', writer);
    for (const director of details.directors) text(episode, 'director', director);
    text(episode, 'aired', details.aired);
    actors(episode, details.guestStars);
    return doc.end({ ...PRETTY, headless: true });
  });
  return `${declaration}\n${blocks.join('\n')}\n`;
}
