/**
 * Title and year from a movie folder or file name, as people and release groups write
 * them: "The Matrix (1999)", "The.Matrix.1999.1080p.BluRay.x264-GROUP",
 * "Blade Runner 2049 (2017) {tmdb-335984}", "2001.A.Space.Odyssey.1968.720p".
 *
 * The year is the LAST plausible year that has some title before it, so a title that is
 * itself a number ("1917 (2019)", "2012.2009.1080p") or contains one ("Blade Runner 2049
 * (2017)") keeps it. Without a year, the name is cut at the first release tag (1080p,
 * BluRay, x264, ...). Ids that media managers put in names (`{tmdb-603}`, `[imdbid-tt0133093]`)
 * are returned as hints and removed from the title.
 */

/** What {@link parseMovieName} found. */
export interface ParsedMovieName {
  /** Cleaned title; never empty (falls back to the cleaned name). */
  title: string;
  /** Release year, or null when the name has none. */
  year: number | null;
  /** A TMDB id written in the name (`{tmdb-603}`, `[tmdbid=603]`), if any. */
  tmdbId?: string;
  /** An IMDb id written in the name (`tt0133093`), if any. */
  imdbId?: string;
}

/** Release tags that end the title part of a name. Matched as whole words, case-insensitive. */
const RELEASE_TAGS = [
  '480p',
  '576p',
  '720p',
  '1080p',
  '1080i',
  '2160p',
  '4320p',
  '4k',
  'uhd',
  'hdr',
  'hdr10',
  'dv',
  'sdr',
  'bluray',
  'blu-ray',
  'bdrip',
  'brrip',
  'bdremux',
  'remux',
  'webrip',
  'web-dl',
  'webdl',
  'web',
  'hdtv',
  'dvdrip',
  'dvdscr',
  'dvd',
  'hdrip',
  'xvid',
  'divx',
  'x264',
  'x265',
  'h264',
  'h265',
  'h.264',
  'h.265',
  'hevc',
  'avc',
  'aac',
  'ac3',
  'dts',
  'dts-hd',
  'truehd',
  'atmos',
  'ddp5.1',
  'dd5.1',
  '10bit',
  '8bit',
  'proper',
  'repack',
  'internal',
  'limited',
  'extended',
  'unrated',
  'remastered',
  'directors.cut',
  'imax',
  'multi',
  'subbed',
  'dubbed',
  'yify',
  'yts',
];
const TAG_SET = new Set(RELEASE_TAGS);

const VIDEO_EXT = /\.(mkv|mp4|avi|m4v|mov|ts|m2ts|wmv|mpg|mpeg|flv|webm|iso|vob|divx|ogm|strm)$/i;

function extractIds(name: string): { rest: string; tmdbId?: string; imdbId?: string } {
  let rest = name;
  let tmdbId: string | undefined;
  let imdbId: string | undefined;
  rest = rest.replace(/[{[(]\s*tmdb(?:id)?\s*[-=:]\s*(\d+)\s*[}\])]/gi, (_m, id: string) => {
    tmdbId ??= id;
    return ' ';
  });
  rest = rest.replace(/[{[(]\s*imdb(?:id)?\s*[-=:]\s*(tt\d{7,9})\s*[}\])]/gi, (_m, id: string) => {
    imdbId ??= id;
    return ' ';
  });
  rest = rest.replace(/(?:^|[\s._\-[(])(tt\d{7,9})(?=$|[\s._\-\])])/gi, (m, id: string) => {
    imdbId ??= id.toLowerCase();
    return m.slice(0, m.length - id.length);
  });
  const out: { rest: string; tmdbId?: string; imdbId?: string } = { rest };
  if (tmdbId !== undefined) out.tmdbId = tmdbId;
  if (imdbId !== undefined) out.imdbId = imdbId;
  return out;
}

/**
 * Turns separators into spaces. Dots and underscores are separators only in names that
 * have no spaces ("The.Matrix.1999"); in a spaced name they belong to the title
 * ("Mr. & Mrs. Smith (2005)", "S.W.A.T. (2003)").
 */
function normaliseSeparators(name: string): string {
  const spaced = /\s/.test(name.trim());
  const out = spaced ? name.replace(/_/g, ' ') : name.replace(/[._]/g, ' ');
  return out.replace(/\s+/g, ' ').trim();
}

function cleanTitle(raw: string): string {
  return raw
    .replace(/[[({]\s*$/g, '')
    .replace(/^[\s\-–:,]+|[\s\-–:,([{]+$/g, '')
    .replace(/\(\s*\)|\[\s*\]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function isTag(word: string): boolean {
  const w = word.toLowerCase().replace(/^[[(]+|[\])]+$/g, '');
  return TAG_SET.has(w) || /^\d{3,4}[pi]$/.test(w);
}

/**
 * Parses a folder or file name (a base name, not a path). A file's video extension is
 * dropped first.
 *
 * @example
 * ```ts
 * parseMovieName('The.Matrix.1999.1080p.BluRay.x264-GROUP'); // { title: 'The Matrix', year: 1999 }
 * parseMovieName('1917 (2019)');                             // { title: '1917', year: 2019 }
 * parseMovieName('Alien');                                    // { title: 'Alien', year: null }
 * ```
 */
export function parseMovieName(name: string, now: Date = new Date()): ParsedMovieName {
  const base = name.replace(VIDEO_EXT, '');
  const { rest, tmdbId, imdbId } = extractIds(base);
  // A leading release-group tag ("[YTS.MX] Movie (2019)") is not part of the title.
  const withoutGroup = rest.replace(/^\s*\[[^\]]*\]\s*/, '');
  const text = normaliseSeparators(withoutGroup);
  const maxYear = now.getFullYear() + 2;

  let title: string | null = null;
  let year: number | null = null;
  const yearRe = /(^|[\s([-])((?:18|19|20)\d{2})(?=$|[\s)\]\-,.])/g;
  let match: RegExpExecArray | null;
  let best: { index: number; year: number } | null = null;
  // First release tag position: a year after it is noise (e.g. "Movie 1080p 2020 GROUP").
  const words = text.split(' ');
  let tagIndex = text.length;
  let pos = 0;
  for (const w of words) {
    if (pos > 0 && isTag(w)) {
      tagIndex = pos;
      break;
    }
    pos += w.length + 1;
  }
  while ((match = yearRe.exec(text)) !== null) {
    const y = Number(match[2]);
    const start = match.index + match[1]!.length;
    if (y < 1888 || y > maxYear) continue;
    if (start > tagIndex) break;
    const before = cleanTitle(text.slice(0, start));
    if (before === '') continue;
    best = { index: start, year: y };
    // Step back so overlapping candidates ("1917 2019") are both seen.
    yearRe.lastIndex = start;
  }
  if (best) {
    year = best.year;
    title = cleanTitle(text.slice(0, best.index));
  } else {
    title = cleanTitle(text.slice(0, tagIndex));
  }
  // Drop a trailing release-group suffix left on a year-less name ("Alien-GROUP" stays:
  // a hyphen inside a word is ambiguous, so only bracketed leftovers are removed).
  title = title.replace(/\s*\[[^\]]*\]\s*$/, '').trim();
  if (title === '') title = cleanTitle(text) || base.trim() || name;

  const parsed: ParsedMovieName = { title, year };
  if (tmdbId !== undefined) parsed.tmdbId = tmdbId;
  if (imdbId !== undefined) parsed.imdbId = imdbId;
  return parsed;
}
