/**
 * When is a folder's title the same as a provider's? When their keys are equal: case,
 * accents, apostrophes and other punctuation ignored, `&` read as "and", and a leading
 * "The" ignored, whether written in front ("The Matrix") or behind, as sorted lists write
 * it ("Matrix, The"; "Beautiful Mind, A" reads as "A Beautiful Mind"). Nothing looser:
 * no prefixes, no spelling distance. A near miss is published with what the scan knows,
 * which is better than another film's metadata.
 */
import { isIso3166Alpha2 } from '../countries.js';

/** "Matrix, The" / "Beautiful Mind, A": an English article moved behind a comma. */
const ARTICLE_BEHIND = /^(.*\S)\s*,\s*(the|a|an)$/i;

/**
 * The comparison key of a title.
 *
 * @example
 * ```ts
 * titleKey('Matrix, The');          // 'matrix'
 * titleKey('Amélie');               // 'amelie'
 * titleKey("Ocean's Eleven");       // 'oceans eleven'
 * titleKey('Tom & Jerry: The Movie'); // 'tom and jerry the movie'
 * ```
 */
export function titleKey(title: string): string {
  return spelled(title).replace(/^the (?=.)/, '');
}

/** The title as words: accents, apostrophes and punctuation gone, an article behind moved in front. */
function spelled(title: string): string {
  let text = title.normalize('NFKD').replace(/\p{M}/gu, '').trim();
  const behind = ARTICLE_BEHIND.exec(text);
  if (behind) text = `${behind[2]} ${behind[1]}`;
  return text
    .toLowerCase()
    .replace(/['’‘`´]/g, '')
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * How well `wanted` names one of `titles`: 2 when spelled alike with its article ("Heat"
 * and "Heat"), 1 when only the keys are equal ("Heat" and "The Heat"), 0 when neither.
 * The first breaks ties between two films the second cannot tell apart.
 */
export function titleMatch(wanted: string, titles: readonly (string | null | undefined)[]): 0 | 1 | 2 {
  const key = titleKey(wanted);
  if (key === '') return 0;
  const present = titles.filter((title): title is string => typeof title === 'string');
  if (present.some((title) => spelled(title) === spelled(wanted))) return 2;
  return present.some((title) => titleKey(title) === key) ? 1 : 0;
}

/** True when `wanted` has the same key as any of `titles` (null and empty entries are skipped). */
export function sameTitle(wanted: string, titles: readonly (string | null | undefined)[]): boolean {
  return titleMatch(wanted, titles) > 0;
}

/** A title as a search query: an article written behind ("Matrix, The") put back in front. */
export function searchText(title: string): string {
  const behind = ARTICLE_BEHIND.exec(title.trim());
  return behind ? `${behind[2]} ${behind[1]}` : title.trim();
}

/** `(US)`, `(UK)` at the end of a title: how TheTVDB and Sonarr tell same-named shows of two countries apart. */
const COUNTRY_BEHIND = /^(.*\S)\s*\(([A-Za-z]{2})\)$/;
/** Country names people write that are not the ISO code. */
const COUNTRY_ALIASES: Record<string, string> = { UK: 'GB' };

/**
 * A country written behind a title, as in "The Office (US)" or "Shameless (UK)", and the
 * title without it; null when the title ends in no ISO 3166-1 country code.
 *
 * @example
 * ```ts
 * countryQualifier('The Office (UK)'); // { title: 'The Office', country: 'GB' }
 * countryQualifier('Doctor Who');      // null
 * ```
 */
export function countryQualifier(title: string): { title: string; country: string } | null {
  const match = COUNTRY_BEHIND.exec(title.trim());
  if (!match) return null;
  const code = (match[2] ?? '').toUpperCase();
  const country = COUNTRY_ALIASES[code] ?? code;
  return isIso3166Alpha2(country) ? { title: match[1] ?? '', country } : null;
}
