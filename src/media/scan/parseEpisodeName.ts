/**
 * Season and episode numbers from TV file and folder names, as Sonarr, release groups and
 * people write them: `Show.S01E02.1080p`, `Show - 1x02 - Title`, multi-episode files
 * `S01E02E03` / `S01E02-E03` / `S01E02-03`, daily shows `Show.2024-01-31`, and season
 * folders `Season 01` / `Specials`.
 *
 * Deliberately NOT read as season and episode: a bare three- or four-digit number
 * (`Show - 103`, `One Piece 1071`). Kodi's own default rules read `103` as S01E03, which is
 * wrong for the absolute numbers anime releases use; such names are reported as
 * `absolute` so the scan can skip them with a reason instead of inventing a season.
 * Resolutions and codecs (`1080p`, `1920x1080`, `x264`, `H.265`) are never numbers of an
 * episode either.
 */
import { parseMovieName } from './parseMovieName.js';

/** What {@link parseEpisodeName} found in a file name. */
export type ParsedEpisodeName =
  /** Season and episode numbers; `season` is null for season-less markers (`E05`, `Episode 5`). */
  | { kind: 'numbered'; season: number | null; episodes: number[] }
  /** A daily show's air date, `YYYY-MM-DD`. */
  | { kind: 'dated'; aired: string }
  /** Only an absolute episode number (anime style), which no season can be derived from. */
  | { kind: 'absolute'; episode: number }
  /** A sample clip of an episode. */
  | { kind: 'sample' }
  /** Nothing that marks an episode. */
  | { kind: 'none' };

const VIDEO_EXT = /\.(mkv|mp4|avi|m4v|mov|ts|m2ts|wmv|mpg|mpeg|flv|webm|iso|vob|divx|ogm|strm)$/i;

/** `S01E02`, `s1e2`, `S01.E02`, `S2024E15`: not preceded by a letter or digit (`US01E02` is no marker). */
const SEASON_EPISODE = /(?:^|[^a-z0-9])s(\d{1,4})[\s._-]*e(\d{1,4})(?![\dpi])/i;
/** `1x02`, `12x103`: the season has at most two digits, so `1920x1080` never matches. */
const CROSS = /(?:^|[^a-z0-9])(\d{1,2})x(\d{2,3})(?![\dpi])/i;
/** `2024-01-31`, `2024.01.31`, `2024 01 31`. */
const DATE = /(?:^|[^0-9])((?:19|20)\d{2})([-._ ])(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)/;
/** Season-less `E05`, `Ep05`, `Ep.5`, `Episode 5`. */
const EPISODE_ONLY = /(?:^|[\s._\-[(])(?:e|ep|episode)[\s._-]?(\d{1,4})(?![\dpi])/i;
/** Anime style `Show - 01`, `Show - 1071v2 [1080p]`: a number after a spaced dash. */
const ABSOLUTE = /\s-\s(\d{1,4})(?:v\d)?(?=$|[\s._[(])/;
/** `sample` as the last word, or a name starting with it. */
const SAMPLE = /(?:^|[\s._-])sample$|^sample[\s._-]/i;

/** A further episode right after the first: `E03`, `-E03`, `-03`, or Sonarr's duplicate style `.S01E03`. */
const NEXT_EPISODE = /^(?:(-)?e|(-))(\d{1,4})(?![\dpi])|^[\s._-]*s(\d{1,4})[\s._-]*e(\d{1,4})(?![\dpi])/i;
const NEXT_CROSS = /^(?:x|(-)|-\d{1,2}x)(\d{2,3})(?![\dpi])/i;

/** Longest episode range a name may span (`S01E01-E20`); anything wider is read as a list. */
const MAX_RANGE = 20;

/**
 * Reads the episodes that follow the first one. Two numbers joined by a dash with a gap
 * are a range (Sonarr's "Range" and "Prefixed Range" styles: `S01E01-03` is 1, 2 and 3);
 * otherwise every number is listed. Numbers must increase, so `S01E05-02` is just E05.
 */
function followingEpisodes(rest: string, first: number, season: number | null, cross: boolean): number[] {
  const found: number[] = [first];
  let dashed = false;
  let tail = rest;
  for (;;) {
    const m = cross ? NEXT_CROSS.exec(tail) : NEXT_EPISODE.exec(tail);
    if (!m) break;
    let value: number;
    if (cross) {
      value = Number(m[2]);
      dashed = dashed || m[1] !== undefined || m[0].startsWith('-');
    } else if (m[5] !== undefined) {
      // `.S01E03` continues only the same season.
      if (season === null || Number(m[4]) !== season) break;
      value = Number(m[5]);
    } else {
      value = Number(m[3]);
      dashed = dashed || m[1] !== undefined || m[2] !== undefined;
    }
    if (value <= found[found.length - 1]!) break;
    found.push(value);
    tail = tail.slice(m[0].length);
  }
  if (found.length === 2 && dashed && found[1]! - found[0]! > 1 && found[1]! - found[0]! < MAX_RANGE) {
    const [from, to] = found as [number, number];
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  }
  return found;
}

function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * Parses a TV file name (a base name, not a path); a video extension is dropped first.
 *
 * @example
 * ```ts
 * parseEpisodeName('Breaking.Bad.S01E02.1080p.mkv');  // { kind: 'numbered', season: 1, episodes: [2] }
 * parseEpisodeName('Show - S02E03-E04 - Title.mkv');   // { kind: 'numbered', season: 2, episodes: [3, 4] }
 * parseEpisodeName('The Daily Show 2024-01-31.mkv');   // { kind: 'dated', aired: '2024-01-31' }
 * parseEpisodeName('[Group] Show - 1071 [1080p].mkv'); // { kind: 'absolute', episode: 1071 }
 * ```
 */
export function parseEpisodeName(name: string): ParsedEpisodeName {
  const base = name.replace(VIDEO_EXT, '').trim();
  if (SAMPLE.test(base)) return { kind: 'sample' };

  const se = SEASON_EPISODE.exec(base);
  if (se) {
    const season = Number(se[1]);
    const rest = base.slice(se.index + se[0].length);
    return { kind: 'numbered', season, episodes: followingEpisodes(rest, Number(se[2]), season, false) };
  }
  const cross = CROSS.exec(base);
  if (cross) {
    const season = Number(cross[1]);
    const rest = base.slice(cross.index + cross[0].length);
    return { kind: 'numbered', season, episodes: followingEpisodes(rest, Number(cross[2]), season, true) };
  }
  const date = DATE.exec(base);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[3]), Number(date[4])];
    if (isRealDate(year, month, day)) return { kind: 'dated', aired: `${date[1]}-${date[3]}-${date[4]}` };
  }
  const only = EPISODE_ONLY.exec(base);
  if (only) {
    const rest = base.slice(only.index + only[0].length);
    return { kind: 'numbered', season: null, episodes: followingEpisodes(rest, Number(only[1]), null, false) };
  }
  // Brackets hold groups, resolutions and checksums (`[ABCD1234]`), never the number.
  const absolute = ABSOLUTE.exec(
    base
      .replace(/\[[^\]]*\]|\([^)]*\)/g, ' ')
      .replace(/\s+/g, ' ')
      .trim() + ' ',
  );
  if (absolute) return { kind: 'absolute', episode: Number(absolute[1]) };
  return { kind: 'none' };
}

/**
 * Whether a file name carries a strong episode marker (`S01E02` or `1x02` forms). The
 * movie scan skips such files: they belong in a TV library, and a movie NFO next to
 * them would damage it. Dates and bare numbers are not counted, since movie names have
 * those too (`1917`, `2001 A Space Odyssey`, a concert recorded on `2019-06-01`).
 */
export function looksLikeEpisode(name: string): boolean {
  const base = name.replace(VIDEO_EXT, '');
  return SEASON_EPISODE.test(base) || CROSS.test(base);
}

/**
 * The season a folder name stands for: `Season 01`, `Season 1`, `season.02`, `S03`,
 * `Series 4` → its number; `Specials`, `Special`, `Season 00` → 0; anything else → null.
 *
 * @example
 * ```ts
 * parseSeasonFolder('Season 01'); // 1
 * parseSeasonFolder('Specials');  // 0
 * parseSeasonFolder('Extras');    // null
 * ```
 */
export function parseSeasonFolder(name: string): number | null {
  const trimmed = name.trim();
  if (/^specials?$/i.test(trimmed)) return 0;
  const m = /^(?:season|series|s)[\s._-]*(\d{1,4})$/i.exec(trimmed);
  return m ? Number(m[1]) : null;
}

/** What {@link parseShowFolder} found in a show folder name. */
export interface ParsedShowFolder {
  title: string;
  /** First-aired year written in the name (`Doctor Who (2005)`), or null. */
  year: number | null;
  /** Ids written in the name, by provider (`{tmdb-1396}`, `[tvdbid-81189]`, `tt0903747`). */
  idHints: Record<string, string>;
}

/**
 * Title, year and id hints of a show folder, written as `Show Name (Year)` by Sonarr and
 * Kodi users: `Doctor Who (2005)`, `9-1-1 (2018)`, `The Office (US)`,
 * `Breaking Bad (2008) {tvdb-81189}`. The year rules are the movie folder's (a title that
 * is a number keeps it); a `{tvdb-…}` / `[tvdbid-…]` id is read as well as tmdb and imdb.
 *
 * @example
 * ```ts
 * parseShowFolder('Doctor Who (2005)'); // { title: 'Doctor Who', year: 2005, idHints: {} }
 * ```
 */
export function parseShowFolder(name: string): ParsedShowFolder {
  let tvdb: string | undefined;
  const rest = name.replace(/[{[(]\s*tvdb(?:id)?\s*[-=:]\s*(\d+)\s*[}\])]/gi, (_m, id: string) => {
    tvdb ??= id;
    return ' ';
  });
  const parsed = parseMovieName(rest.trim() === '' ? name : rest);
  const idHints: Record<string, string> = {};
  if (parsed.tmdbId !== undefined) idHints['tmdb'] = parsed.tmdbId;
  if (tvdb !== undefined) idHints['tvdb'] = tvdb;
  if (parsed.imdbId !== undefined) idHints['imdb'] = parsed.imdbId;
  return { title: parsed.title, year: parsed.year, idHints };
}
