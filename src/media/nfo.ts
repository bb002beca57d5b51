/**
 * Kodi movie NFO files and Kodi's artwork file names. The XML is built with an XML
 * library (never by string concatenation), so any title — `<`, `&`, `]]>`, quotes,
 * control characters — yields a valid, escaped document.
 */
import path from 'node:path';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { ArtworkKind, MovieDetails } from './types.js';

/**
 * Characters XML 1.0 does not allow at all, not even escaped (C0 controls other than tab,
 * LF, CR; lone surrogates; U+FFFE/U+FFFF). Provider text sometimes contains them.
 */
const XML_INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Removes characters that cannot appear in an XML 1.0 document. */
export function stripXmlInvalid(text: string): string {
  return text.replace(XML_INVALID, '');
}

/**
 * Text as handed to the XML builder. The builder leaves `&` alone when it is followed by
 * something entity-shaped (`&amp;`, `&foo;`, `&#38;`), which would turn a literal "&amp;"
 * in a title into "&" (or an undefined entity into invalid XML). Escaping every `&` first
 * makes the builder's output round-trip exactly; it still escapes `<`, `>` and quotes.
 */
function safe(value: string): string {
  return stripXmlInvalid(value).replace(/&/g, '&amp;');
}

/** Remote artwork to reference from the NFO, for kinds that are not published as local files. */
export type NfoRemoteArt = Partial<Record<ArtworkKind, string>>;

/** Options of {@link buildMovieNfo}. */
export interface MovieNfoOptions {
  /**
   * Artwork URLs written as `<thumb aspect="…">` (and `<fanart><thumb>`), so Kodi can
   * fetch what was not saved next to the movie. Leave out kinds published locally:
   * Kodi prefers local files anyway, and a URL would only add a download.
   */
  remoteArt?: NfoRemoteArt;
  /**
   * `<trailer>`: a local file name or URL of the trailer. A YouTube page URL is written as
   * the YouTube add-on's URL (see {@link kodiTrailerUrl}), which is what Kodi can play.
   */
  trailer?: string;
  /** Name of the rating source in `<ratings>`: the provider that supplied it. @default 'themoviedb' */
  ratingSource?: string;
}

/** Provider ids written as `<uniqueid>`, in Kodi's preference order for the default one. */
const DEFAULT_ID_ORDER = ['tmdb', 'imdb'];

/** A short plot for `<outline>`: the plot's first sentence, as Kodi's own scrapers do. */
function outlineOf(plot: string): string {
  const match = /^.*?[.!?](?=\s|$)/su.exec(plot.trim());
  return (match ? match[0] : plot).trim();
}

/** The id of a YouTube video page (`watch?v=`, `youtu.be/`, `embed/`, `shorts/`), or null. */
function youtubeId(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const host = parsed.hostname.toLowerCase().replace(/^(www|m|music)\./, '');
  const id =
    host === 'youtu.be'
      ? parsed.pathname.slice(1)
      : host === 'youtube.com' || host === 'youtube-nocookie.com'
        ? parsed.pathname === '/watch'
          ? parsed.searchParams.get('v')
          : /^\/(?:embed|shorts|v)\/([^/]+)/.exec(parsed.pathname)?.[1]
        : null;
  return id && /^[\w-]{1,64}$/.test(id) ? id : null;
}

/**
 * A trailer URL as Kodi plays it: YouTube pages become the YouTube add-on's
 * `plugin://plugin.video.youtube/play/?video_id=<id>` (as Kodi's own TMDB scraper writes
 * them); anything else (a local file, another host) is returned as it is.
 *
 * @example
 * ```ts
 * kodiTrailerUrl('https://www.youtube.com/watch?v=abc123'); // 'plugin://plugin.video.youtube/play/?video_id=abc123'
 * ```
 */
export function kodiTrailerUrl(url: string): string {
  const id = youtubeId(url);
  return id === null ? url : `plugin://plugin.video.youtube/play/?video_id=${id}`;
}

/** Appends `<name>text</name>` when the value is present, stripping invalid characters. */
function text(parent: XMLBuilder, name: string, value: string | number | null | undefined): void {
  if (value === null || value === undefined) return;
  const s = typeof value === 'number' ? String(value) : safe(value);
  if (s === '' || (typeof value === 'number' && !Number.isFinite(value))) return;
  parent.ele(name).txt(s);
}

/**
 * Builds a Kodi `<movie>` NFO: title, originaltitle, year, plot, outline, tagline, runtime
 * (minutes), mpaa, premiered, genre*, set (name, overview), studio*, director*, credits*,
 * uniqueid* (tmdb is the default when present), ratings, actor* (name, role, order,
 * thumb), and optional remote artwork and trailer.
 *
 * @returns the UTF-8 XML document, pretty-printed.
 * @example
 * ```ts
 * const xml = buildMovieNfo(details, { remoteArt: { poster: 'https://…/poster.jpg' } });
 * await writeFileAtomic(nfoPathsFor(videoFile)[0], xml);
 * ```
 */
export function buildMovieNfo(details: MovieDetails, options: MovieNfoOptions = {}): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8', standalone: true });
  const movie = doc.ele('movie');
  text(movie, 'title', details.title);
  // Always present: without it Kodi stores an empty original title (seen on Kodi 20.1).
  text(movie, 'originaltitle', details.originalTitle || details.title);
  if (details.rating !== null) {
    const rating = movie.ele('ratings').ele('rating', { name: safe(options.ratingSource ?? 'themoviedb'), max: '10', default: 'true' });
    text(rating, 'value', details.rating);
    text(rating, 'votes', details.votes);
  }
  text(movie, 'year', details.year);
  text(movie, 'plot', details.plot);
  if (details.plot) text(movie, 'outline', outlineOf(details.plot));
  text(movie, 'tagline', details.tagline);
  text(movie, 'runtime', details.runtimeMinutes);
  for (const [kind, url] of Object.entries(options.remoteArt ?? {})) {
    if (!url || kind === 'fanart' || kind === 'trailer') continue;
    movie.ele('thumb', { aspect: kind }).txt(safe(url));
  }
  if (options.remoteArt?.fanart) movie.ele('fanart').ele('thumb').txt(safe(options.remoteArt.fanart));
  text(movie, 'mpaa', details.certification);
  const ids = Object.entries(details.providerIds).filter((entry): entry is [string, string] => Boolean(entry[1]));
  const defaultType = DEFAULT_ID_ORDER.find((type) => ids.some(([t]) => t === type)) ?? ids[0]?.[0];
  for (const [type, id] of ids) {
    const attrs: Record<string, string> = { type: safe(type) };
    if (type === defaultType) attrs['default'] = 'true';
    movie.ele('uniqueid', attrs).txt(safe(id));
  }
  for (const genre of details.genres) text(movie, 'genre', genre);
  if (details.set) {
    // Kodi 18+'s form: the collection's name and overview in one element.
    const set = movie.ele('set');
    text(set, 'name', details.set.name);
    text(set, 'overview', details.set.overview);
  }
  for (const writer of details.writers) text(movie, 'credits', writer);
  for (const director of details.directors) text(movie, 'director', director);
  text(movie, 'premiered', details.premiered);
  for (const studio of details.studios) text(movie, 'studio', studio);
  text(movie, 'trailer', options.trailer === undefined ? undefined : kodiTrailerUrl(options.trailer));
  const cast = [...details.cast].sort((a, b) => a.order - b.order);
  for (const member of cast) {
    const actor = movie.ele('actor');
    text(actor, 'name', member.name);
    text(actor, 'role', member.role);
    text(actor, 'order', member.order);
    text(actor, 'thumb', member.thumbUrl);
  }
  return doc.end({ prettyPrint: true, indent: '  ', newline: '\n' }) + '\n';
}

/** Options of {@link nfoPathsFor}. */
export interface NfoPathOptions {
  /**
   * Also return `movie.nfo` in the video's folder. Kodi reads it only when the source is
   * set to "movies are in separate folders that match the title" (off by default), and
   * it would be wrong for a folder holding several movies, so it is opt-in.
   * @default false
   */
  movieNfo?: boolean;
}

/** Video file name without its extension: the stem every Kodi side-file is named after. */
function stemOf(videoFile: string): string {
  return path.basename(videoFile, path.extname(videoFile));
}

/**
 * Where the NFO of a video goes: `<name>.nfo` next to it (read by Kodi in every library
 * mode), plus `movie.nfo` when `movieNfo` is set.
 *
 * @example
 * ```ts
 * nfoPathsFor('/m/Heat (1995)/Heat.mkv'); // ['/m/Heat (1995)/Heat.nfo']
 * ```
 */
export function nfoPathsFor(videoFile: string, options: NfoPathOptions = {}): string[] {
  const dir = path.dirname(videoFile);
  const paths = [path.join(dir, `${stemOf(videoFile)}.nfo`)];
  if (options.movieNfo) paths.push(path.join(dir, 'movie.nfo'));
  return paths;
}

/** File extension Kodi expects per kind when the source does not say. */
const DEFAULT_ARTWORK_EXT: Record<ArtworkKind, string> = {
  poster: 'jpg',
  fanart: 'jpg',
  banner: 'jpg',
  landscape: 'jpg',
  clearlogo: 'png',
  clearart: 'png',
  discart: 'png',
  trailer: 'mp4',
};

/**
 * Kodi's local artwork name next to a video: `<name>-poster.jpg`, `<name>-fanart.jpg`,
 * `<name>-clearlogo.png`, `<name>-trailer.<ext>`, … `ext` defaults per kind (jpg for
 * photos, png for transparent art, mp4 for trailers); a leading dot is accepted.
 *
 * @example
 * ```ts
 * artworkPathFor('/m/Heat (1995)/Heat.mkv', 'poster'); // '/m/Heat (1995)/Heat-poster.jpg'
 * artworkPathFor('/m/Heat (1995)/Heat.mkv', 'trailer', 'webm'); // '/m/Heat (1995)/Heat-trailer.webm'
 * ```
 */
export function artworkPathFor(videoFile: string, kind: ArtworkKind, ext?: string): string {
  const extension = (ext ?? DEFAULT_ARTWORK_EXT[kind]).replace(/^\./, '').toLowerCase();
  if (!/^[a-z0-9]{1,8}$/.test(extension)) throw new RangeError(`Invalid artwork file extension "${ext}"`);
  return path.join(path.dirname(videoFile), `${stemOf(videoFile)}-${kind}.${extension}`);
}

/**
 * Kodi's file name of an actor photo: spaces become `_` (`Keanu Reeves` → `Keanu_Reeves.jpg`).
 * Path separators, characters Windows forbids, control characters and leading dots are
 * dropped too, so a hostile actor name can never leave the `.actors` folder.
 */
export function actorThumbFileName(actorName: string, ext = 'jpg'): string {
  const base = stripXmlInvalid(actorName)
    // Control characters are exactly what this strips from a file name.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/[/\\:*?"<>|]/g, '')
    .trim()
    .replace(/\s+/g, '_')
    .replace(/^\.+/, '');
  const extension = ext.replace(/^\./, '').toLowerCase();
  return `${base === '' ? '_' : base}.${extension}`;
}

/**
 * Path of an actor photo in a movie folder: `<movieDir>/.actors/First_Last.jpg`.
 *
 * @example
 * ```ts
 * actorThumbPath('/m/Heat (1995)', 'Al Pacino'); // '/m/Heat (1995)/.actors/Al_Pacino.jpg'
 * ```
 */
export function actorThumbPath(movieDir: string, actorName: string, ext = 'jpg'): string {
  return path.join(movieDir, '.actors', actorThumbFileName(actorName, ext));
}
