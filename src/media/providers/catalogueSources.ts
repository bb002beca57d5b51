/**
 * What the local catalogue's movies and series share: how an artwork or photo entry (URL, `file:` URL or path relative to the catalogue) becomes
 * a source the publish phase can fetch.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** http(s) URLs as they are; `file:` URLs and paths as absolute paths (relative to `dir`). */
export function resolveSource(dir: string, source: string): string {
  if (/^https?:\/\//i.test(source)) return source;
  if (source.startsWith('file:')) return fileURLToPath(source);
  return path.resolve(dir, source);
}

/** Extension of a URL or path without query, lower-case and without the dot; '' when none. */
export function extensionOf(source: string): string {
  const pathname = /^https?:\/\//i.test(source) ? new URL(source).pathname : source;
  return path.extname(pathname).slice(1);
}
