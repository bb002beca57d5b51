/**
 * Library kinds: every library root holds either movies or TV shows, and each kind has
 * its own pipeline (`scan-movie` … `publish` for movies, `scan-tv` … `publish-tvshow` for
 * series). The kind is what keeps a movie NFO out of a TV library and the reverse, so it
 * is set where libraries are configured and checked by every phase that writes.
 *
 * A plain string stays accepted wherever a library is configured and means a `movies`
 * library: that is what every library was before kinds existed.
 */
import path from 'node:path';
import type { ValidationIssue } from '../index.js';

/** What a library holds. */
export type LibraryKind = 'movies' | 'tvshows';

/** Every {@link LibraryKind}, for option checks and CLI choices. */
export const LIBRARY_KINDS = ['movies', 'tvshows'] as const satisfies readonly LibraryKind[];

/** A library root with its kind, as configured. */
export interface LibraryRoot {
  /** Absolute folder of the library. */
  path: string;
  /** What it holds. */
  kind: LibraryKind;
}

/**
 * A library as configured: `{ path, kind }`, or a plain absolute path for a `movies`
 * library (the form every library had before kinds existed).
 *
 * @example
 * ```ts
 * const libraries: LibraryInput[] = ['/srv/movies', { path: '/srv/tv', kind: 'tvshows' }];
 * ```
 */
export type LibraryInput = string | LibraryRoot;

/**
 * Checks configured libraries and returns them resolved, with their kinds. Issues name
 * the entry (`<where>.<index>`) and what is allowed; nothing is returned while any exist.
 *
 * @param where option name used in the issues, e.g. `libraryRoots`
 */
export function checkLibraries(
  input: readonly LibraryInput[] | undefined,
  where: string,
): { libraries: LibraryRoot[]; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const libraries: LibraryRoot[] = [];
  const seen = new Map<string, LibraryKind>();
  (input ?? []).forEach((entry, i) => {
    const at = `${where}.${i}`;
    const raw = typeof entry === 'string' ? entry : entry && typeof entry === 'object' ? entry.path : undefined;
    const kind = typeof entry === 'string' ? 'movies' : entry && typeof entry === 'object' ? entry.kind : undefined;
    if (typeof raw !== 'string' || !path.isAbsolute(raw) || raw.includes('\0')) {
      issues.push({ path: entry && typeof entry === 'object' ? `${at}.path` : at, message: 'must be an absolute path' });
      return;
    }
    if (kind !== 'movies' && kind !== 'tvshows') {
      issues.push({ path: `${at}.kind`, message: 'must be "movies" or "tvshows"' });
      return;
    }
    const resolved = path.resolve(raw);
    const before = seen.get(resolved);
    if (before !== undefined && before !== kind) {
      issues.push({ path: at, message: `"${resolved}" is configured as both a ${before} and a ${kind} library` });
      return;
    }
    if (before !== undefined) return;
    seen.set(resolved, kind);
    libraries.push({ path: resolved, kind });
  });
  // A library inside another of the other kind would make one file belong to both.
  for (const a of libraries) {
    for (const b of libraries) {
      if (a !== b && a.kind !== b.kind && isWithin(a.path, b.path)) {
        issues.push({ path: where, message: `the ${b.kind} library "${b.path}" lies inside the ${a.kind} library "${a.path}"` });
      }
    }
  }
  return { libraries, issues };
}

/** Is `child` equal to or below `parent` (both absolute)? Compared on whole segments. */
function isWithin(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The configured library that contains `target` (the deepest one when nested), or
 * undefined when none does.
 *
 * @example
 * ```ts
 * libraryContaining(libraries, '/srv/tv/Show (2008)/Season 01')?.kind; // 'tvshows'
 * ```
 */
export function libraryContaining(libraries: readonly LibraryRoot[], target: string): LibraryRoot | undefined {
  const resolved = path.resolve(target);
  return libraries.filter((lib) => isWithin(lib.path, resolved)).sort((a, b) => b.path.length - a.path.length)[0];
}

/** Human name of a kind's scan job, for errors that point to the right one. */
export function scanJobOf(kind: LibraryKind): 'scan-movie' | 'scan-tv' {
  return kind === 'movies' ? 'scan-movie' : 'scan-tv';
}
