/**
 * Series artwork: Kodi's local file names for a show, its seasons and its episodes, and
 * the selection of candidates by the enrichment settings, ranked as movies' are
 * (`compareCandidates`: textless fanart first; posters, logos and stills in the wanted
 * language, then English, then textless; bigger first; better scored first) with
 * `minResolution` on the image height, clear logos exempt.
 */
import path from 'node:path';
import { compareCandidates, type AssetRules } from '../ranking.js';
import type { SeriesArtworkCandidate, SeriesArtworkKind } from './types.js';

/** File extension Kodi expects per kind when the source does not say. */
const DEFAULT_EXT: Record<SeriesArtworkKind, string> = {
  poster: 'jpg',
  fanart: 'jpg',
  banner: 'jpg',
  landscape: 'jpg',
  thumb: 'jpg',
  clearlogo: 'png',
  clearart: 'png',
};

function extensionFor(kind: SeriesArtworkKind, ext: string | undefined): string {
  const extension = (ext ?? DEFAULT_EXT[kind]).replace(/^\./, '').toLowerCase();
  if (!/^[a-z0-9]{1,8}$/.test(extension)) throw new RangeError(`Invalid artwork file extension "${ext}"`);
  return extension;
}

/**
 * A show's artwork in its folder, as Kodi reads it: `poster.jpg`, `fanart.jpg`,
 * `clearlogo.png`, `banner.jpg`, …
 *
 * @example
 * ```ts
 * showArtworkPath('/tv/Lost (2004)', 'poster'); // '/tv/Lost (2004)/poster.jpg'
 * ```
 */
export function showArtworkPath(showFolder: string, kind: Exclude<SeriesArtworkKind, 'thumb'>, ext?: string): string {
  return path.join(showFolder, `${kind}.${extensionFor(kind, ext)}`);
}

/**
 * A season poster in the show folder: `season01-poster.jpg`, `season-specials-poster.jpg`
 * for season 0, and `season-all-poster.jpg` for the "all seasons" entry (`'all'`).
 *
 * @example
 * ```ts
 * seasonPosterPath('/tv/Lost (2004)', 1);     // '/tv/Lost (2004)/season01-poster.jpg'
 * seasonPosterPath('/tv/Lost (2004)', 0);     // '/tv/Lost (2004)/season-specials-poster.jpg'
 * seasonPosterPath('/tv/Lost (2004)', 'all'); // '/tv/Lost (2004)/season-all-poster.jpg'
 * ```
 */
export function seasonPosterPath(showFolder: string, season: number | 'all', ext?: string): string {
  const name = season === 'all' ? 'season-all' : season === 0 ? 'season-specials' : `season${String(season).padStart(2, '0')}`;
  return path.join(showFolder, `${name}-poster.${extensionFor('poster', ext)}`);
}

/**
 * An episode file's still next to it: `<name>-thumb.jpg`.
 *
 * @example
 * ```ts
 * episodeThumbPath('/tv/Lost (2004)/Season 01/Lost.S01E01.mkv'); // '/tv/Lost (2004)/Season 01/Lost.S01E01-thumb.jpg'
 * ```
 */
export function episodeThumbPath(videoFile: string, ext?: string): string {
  const stem = path.basename(videoFile, path.extname(videoFile));
  return path.join(path.dirname(videoFile), `${stem}-thumb.${extensionFor('thumb', ext)}`);
}

/** An episode file's NFO next to it: `<name>.nfo` (Kodi reads nothing else for an episode). */
export function episodeNfoPath(videoFile: string): string {
  const stem = path.basename(videoFile, path.extname(videoFile));
  return path.join(path.dirname(videoFile), `${stem}.nfo`);
}

/** The series settings of the enrichment phase: the movie rules plus the stills' count. */
export interface SeriesAssetRules extends AssetRules {
  /** Stills kept per episode. */
  maxEpisodeThumb: number;
}

/**
 * Picks at most `limit` candidates of one kind, best first (see `compareCandidates`), at
 * or above `minResolution` (clear logos exempt: they are short by design); the first is
 * selected when `autoSelectAssets`, otherwise a previous manual choice that is still
 * offered stays selected.
 *
 * @param previouslySelected URLs selected before for this same show, season or episode
 */
export function pickSeriesArtwork<T extends SeriesArtworkCandidate>(
  candidates: readonly T[],
  kind: SeriesArtworkKind,
  limit: number,
  rules: Pick<AssetRules, 'autoSelectAssets' | 'language' | 'minResolution'>,
  previouslySelected: ReadonlySet<string> = new Set(),
): (T & { selected: boolean })[] {
  const seen = new Set<string>();
  const kept = candidates
    .filter((c) => c.kind === kind)
    .filter((c) => kind === 'clearlogo' || c.height >= rules.minResolution)
    .filter((c) => !seen.has(c.url) && seen.add(c.url))
    .sort(compareCandidates(rules.language))
    .slice(0, limit);
  const manualChoice = kept.find((c) => previouslySelected.has(c.url));
  return kept.map((c, i) => ({ ...c, selected: rules.autoSelectAssets ? i === 0 : c === manualChoice }));
}
