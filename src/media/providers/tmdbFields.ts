/**
 * How the TMDB providers (movies and series) read TMDB's values: dates, empty texts,
 * image languages and file types, and a 404 that means "no such id" rather than a failure.
 */
import { ProviderError } from '../errors.js';

/** Year of a TMDB `YYYY-MM-DD` date, or null. */
export function yearOf(date: string | null | undefined): number | null {
  const match = date ? /^(\d{4})-/.exec(date) : null;
  return match ? Number(match[1]) : null;
}

/** Non-empty string or null: TMDB uses '' and null interchangeably for "none". */
export function orNull(value: string | null | undefined): string | null {
  return value ? value : null;
}

/** Names in first-seen order without repeats (a writer credited for screenplay and story appears once). */
export function unique(names: Iterable<string>): string[] {
  return [...new Set(names)];
}

/** File extension of a TMDB file path, lower-case, without the dot. */
export function extOf(filePath: string): string {
  return /\.([a-z0-9]+)$/i.exec(filePath)?.[1]?.toLowerCase() ?? '';
}

/** Image language: textless images are tagged null (or "xx", "No Language"); both become null. */
export function imageLanguage(tag: string | null | undefined): string | null {
  return !tag || tag === 'xx' ? null : tag;
}

/** The answer, or null when TMDB says 404 (an id it does not know). */
export async function unlessNotFound<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ProviderError && error.status === 404) return null;
    throw error;
  }
}
