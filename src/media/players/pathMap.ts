/**
 * Path mapping: the library sees `/srv/media/movies/Heat (1995)`, Kodi may see
 * `smb://nas/movies/Heat (1995)` and Jellyfin `/data/movies/Heat (1995)`.
 */
import type { PathMapping } from '../types.js';

/** Strips trailing separators, keeping a lone root (`/`, `smb://`). */
function trimTrailing(p: string): string {
  const trimmed = p.replace(/[\\/]+$/, '');
  return trimmed === '' || trimmed.endsWith(':') ? p : trimmed;
}

/** Does `prefix` cover `p` on a segment boundary (`/movies` covers `/movies/x`, not `/movies2`)? */
function covers(prefix: string, p: string): boolean {
  if (p === prefix) return true;
  if (!p.startsWith(prefix)) return false;
  return /[\\/]$/.test(prefix) || /^[\\/]/.test(p.slice(prefix.length));
}

/** A Windows-looking target (`D:\Movies`, `\\nas\movies`) gets backslashes; everything else forward slashes. */
function separatorOf(target: string): '/' | '\\' {
  return target.includes('\\') && !target.includes('/') ? '\\' : '/';
}

/**
 * Maps a library path to the player's view of it. The mapping with the longest matching
 * `from` wins; matches are on whole path segments. Without a match the path is returned
 * unchanged. The remainder keeps its segments, re-joined with the target's separator.
 *
 * @example
 * ```ts
 * mapPath('/srv/movies/Heat (1995)', [
 *   { from: '/srv', to: '/mnt' },
 *   { from: '/srv/movies', to: 'smb://nas/movies' },
 * ]); // 'smb://nas/movies/Heat (1995)'
 * ```
 */
export function mapPath(libraryPath: string, mappings: readonly PathMapping[] = []): string {
  let best: PathMapping | undefined;
  let bestLength = -1;
  for (const mapping of mappings) {
    const from = trimTrailing(mapping.from);
    if (from.length > bestLength && covers(from, libraryPath)) {
      best = mapping;
      bestLength = from.length;
    }
  }
  if (!best) return libraryPath;
  const rest = libraryPath
    .slice(bestLength)
    .split(/[\\/]+/)
    .filter((segment) => segment !== '');
  if (rest.length === 0) return best.to;
  const sep = separatorOf(best.to);
  const to = best.to.endsWith('/') || best.to.endsWith('\\') ? best.to : best.to + sep;
  return to + rest.join(sep);
}

/** Appends the path's own separator unless it already ends with one (Kodi wants directories that way). */
export function withTrailingSeparator(p: string): string {
  if (/[\\/]$/.test(p)) return p;
  return p + separatorOf(p);
}

/**
 * Parent folder of a path in the player's notation (`smb://nas/movies/Heat/` → `smb://nas/movies/`),
 * with a trailing separator. Used for Kodi, which only scans a new movie folder through its parent.
 */
export function parentDirectory(p: string): string {
  const sep = separatorOf(p);
  const trimmed = trimTrailing(p);
  const cut = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  if (cut < 0) return withTrailingSeparator(p);
  const parent = trimmed.slice(0, cut + 1);
  // Never climb above a URL's authority (`smb://nas/`) or a bare root.
  if (/^[a-z][a-z0-9+.-]*:\/\/$/i.test(parent) || parent === '') return withTrailingSeparator(p);
  return parent.endsWith(sep) || /[\\/]$/.test(parent) ? parent : parent + sep;
}
