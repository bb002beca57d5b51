/**
 * Artwork ranking shared by the movie and the TV enrich phases: which candidates to keep
 * of each kind and in what order (language, then size, then votes).
 */
import type { ArtworkCandidate, ArtworkKind } from './types.js';

/** The enrichment settings this phase reads (the `enrichment` phase config). */
export interface AssetRules {
  fetchProviderAssets: boolean;
  autoSelectAssets: boolean;
  maxPoster: number;
  maxFanart: number;
  maxLogo: number;
  maxTrailer: number;
  /** ISO 639-1 code, e.g. `en`. */
  language: string;
  /** Smallest accepted image height in pixels (see {@link resolutionOf}). */
  minResolution: number;
}

/** Kinds the pipeline keeps, with the setting that caps each. */
const KIND_LIMITS = {
  poster: 'maxPoster',
  fanart: 'maxFanart',
  clearlogo: 'maxLogo',
  trailer: 'maxTrailer',
} as const satisfies Partial<Record<ArtworkKind, keyof AssetRules>>;

type KeptKind = keyof typeof KIND_LIMITS;

function primaryLanguage(tag: string | null): string | null {
  return tag === null ? null : (tag.split(/[-_]/)[0] ?? '').toLowerCase();
}

/**
 * The resolution `minResolution` is compared with: the image height, as the setting is
 * documented. Clear logos are exempt (they are short by design: 800x310 is a good logo),
 * and so are trailers: the setting is about images, and a 480p trailer is still the
 * trailer (many official ones are older than HD).
 */
export function resolutionOf(candidate: ArtworkCandidate): number | null {
  if (candidate.kind === 'clearlogo' || candidate.kind === 'trailer') return null;
  return candidate.height;
}

/** What {@link compareCandidates} reads of a candidate: a movie's, or a show's, season's or episode's. */
export type RankedArtwork = Pick<ArtworkCandidate, 'language' | 'width' | 'height' | 'votes' | 'voteCount'> & { kind: string };

/**
 * Orders candidates of one kind best first, as Kodi's TMDB scraper picks them:
 * - by language: fanart without text first, then the wanted language, then English;
 *   posters, logos and trailers in the wanted language first, then English, then without
 *   text; any other language last;
 * - then trailers by votes (official first), images by pixels (width × height);
 * - then by score (`votes`), then by how many votes that score has (`voteCount`).
 */
export function compareCandidates(language: string): (a: RankedArtwork, b: RankedArtwork) => number {
  const want = primaryLanguage(language);
  const rank = (c: RankedArtwork): number => {
    const lang = primaryLanguage(c.language);
    if (c.kind === 'fanart') return lang === null ? 3 : lang === want ? 2 : lang === 'en' ? 1 : 0;
    return lang === want ? 3 : lang === 'en' ? 2 : lang === null ? 1 : 0;
  };
  const pixels = (c: RankedArtwork): number => c.width * c.height;
  const count = (c: RankedArtwork): number => c.voteCount ?? 0;
  return (a, b) =>
    rank(b) - rank(a) ||
    (a.kind === 'trailer' ? b.votes - a.votes || pixels(b) - pixels(a) : pixels(b) - pixels(a) || b.votes - a.votes) ||
    count(b) - count(a);
}

/**
 * Applies the asset rules to a provider's artwork: kinds the pipeline uses, at or above
 * `minResolution`, best first, at most `max*` of each kind; the first of each kind is
 * selected when `autoSelectAssets`, otherwise a previous manual choice that is still
 * offered stays selected.
 */
export function pickCandidates(
  artwork: readonly ArtworkCandidate[],
  rules: AssetRules,
  previouslySelected: ReadonlySet<string> = new Set(),
): (ArtworkCandidate & { selected: boolean })[] {
  const order = compareCandidates(rules.language);
  const kept: (ArtworkCandidate & { selected: boolean })[] = [];
  for (const [kind, limitKey] of Object.entries(KIND_LIMITS) as [KeptKind, (typeof KIND_LIMITS)[KeptKind]][]) {
    const limit = rules[limitKey];
    const seen = new Set<string>();
    const ofKind = artwork
      .filter((c) => c.kind === kind)
      .filter((c) => {
        const res = resolutionOf(c);
        return res === null || res >= rules.minResolution;
      })
      .filter((c) => !seen.has(c.url) && seen.add(c.url))
      .sort(order)
      .slice(0, limit);
    const manualChoice = ofKind.find((c) => previouslySelected.has(c.url));
    ofKind.forEach((c, i) => {
      const selected = rules.autoSelectAssets ? i === 0 : c === manualChoice;
      kept.push({ ...c, selected });
    });
  }
  return kept;
}
