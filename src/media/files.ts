/**
 * File helpers of the publish phase: atomic writes (a reader never sees half a file),
 * paths that cannot leave the library, and artwork downloads that are safe to repeat.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, realpath, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DownloadError, PathOutsideLibraryError } from './errors.js';
import { errnoCode } from './errno.js';

/** Temp name in the same directory as `target`, so the final rename never crosses file systems. */
function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** fsync of a directory makes the rename itself durable; some platforms refuse it, which is fine there. */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes a temp file left by a failed write, keeping the original error as the one reported. */
async function discardTemp(tempPath: string): Promise<void> {
  await unlink(tempPath).catch((error: unknown) => {
    if (errnoCode(error) !== 'ENOENT') throw error;
  });
}

/** Whether `file` already holds exactly `data` (same size first, then same bytes). */
async function hasSameContent(file: string, data: Uint8Array): Promise<boolean> {
  try {
    const info = await stat(file);
    if (!info.isFile() || info.size !== data.byteLength) return false;
    return Buffer.from(data).equals(await readFile(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Writes `data` to `target` atomically: a temp file in the same directory is written,
 * fsynced and renamed over the target, so readers (Kodi scanning the folder) see either
 * the old file or the new one, never a torn one. Missing parent directories are created.
 *
 * Idempotent: when the target already holds the same bytes nothing is written and the
 * file keeps its mtime, so re-publishing does not make players re-read unchanged files.
 *
 * @returns true when the file was written, false when it already had this content.
 * @example
 * ```ts
 * await writeFileAtomic('/movies/Heat (1995)/Heat.nfo', xml);
 * ```
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<boolean> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  await mkdir(path.dirname(target), { recursive: true });
  if (await hasSameContent(target, bytes)) return false;
  const temp = tempPathFor(target);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await discardTemp(temp);
    throw error;
  }
  await syncDirectory(path.dirname(target));
  return true;
}

/** Is `child` equal to or below `parent`? Both must be absolute and normalised. */
function isWithin(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** realpath of the deepest part of `target` that exists, so not-yet-created files can be checked too. */
async function realpathOfExistingPart(target: string): Promise<string> {
  let current = target;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(await realpath(current), ...rest.reverse());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const parent = path.dirname(current);
      if (parent === current) throw error;
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

/**
 * Resolves `relative` below `root` and proves the result stays inside it. Refused with
 * {@link PathOutsideLibraryError}: absolute paths, any `..` segment (even one that would
 * come back inside: names from folder names and providers are never trusted to contain
 * one), NUL bytes, and paths whose existing part is a symlink leading out of the root.
 * The target itself need not exist.
 *
 * @returns the absolute path `root/relative` (lexically joined, not symlink-resolved).
 * @example
 * ```ts
 * const nfo = await resolveInside('/movies', 'Heat (1995)/Heat.nfo'); // '/movies/Heat (1995)/Heat.nfo'
 * await resolveInside('/movies', '../etc/passwd'); // throws PathOutsideLibraryError
 * ```
 */
export async function resolveInside(root: string, relative: string): Promise<string> {
  if (relative.includes('\0')) throw new PathOutsideLibraryError(root, relative, 'it contains a NUL byte');
  if (path.isAbsolute(relative) || path.win32.isAbsolute(relative)) {
    throw new PathOutsideLibraryError(root, relative, 'absolute paths are not allowed');
  }
  // Split on both separators: a backslash is a plain character on POSIX but a separator for
  // a Windows player later fed the same name.
  if (relative.split(/[\\/]+/).includes('..')) {
    throw new PathOutsideLibraryError(root, relative, '".." segments are not allowed');
  }
  const absoluteRoot = path.resolve(root);
  const target = path.resolve(absoluteRoot, relative);
  if (!isWithin(absoluteRoot, target)) throw new PathOutsideLibraryError(root, relative, 'it resolves outside the root');
  const realRoot = await realpath(absoluteRoot);
  const realTarget = await realpathOfExistingPart(target);
  if (!isWithin(realRoot, realTarget)) {
    throw new PathOutsideLibraryError(root, relative, `a symlink leads to "${realTarget}"`);
  }
  return target;
}

/** Options of {@link downloadTo}. */
export interface DownloadOptions {
  /** Largest file accepted, in bytes; bigger ones fail without leaving anything behind. @default 104_857_600 (100 MiB) */
  maxBytes?: number;
}

/** What {@link downloadTo} did. */
export interface DownloadResult {
  /** `written` when the destination was created or replaced, `unchanged` when it already held these bytes. */
  outcome: 'written' | 'unchanged';
  bytes: number;
  /** Hex SHA-256 of the content. */
  sha256: string;
}

/** Default of {@link DownloadOptions.maxBytes}. */
export const DEFAULT_MAX_DOWNLOAD_BYTES = 100 * 1024 * 1024;

/** Hex SHA-256 of a file, or null when it does not exist. */
async function sha256OfFile(file: string): Promise<{ sha256: string; size: number } | null> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) return null;
    size = info.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return { sha256: hash.digest('hex'), size };
}

/** A local source: a `file:` URL or an absolute path. null for http(s). */
function localSource(source: string): string | null {
  if (/^https?:\/\//i.test(source)) return null;
  if (source.startsWith('file:')) return fileURLToPath(source);
  if (path.isAbsolute(source)) return source;
  throw new DownloadError(source, null, 'not an http(s) URL, file: URL or absolute path', { transient: false });
}

/** Opens the source and yields its chunks; HTTP failures become DownloadError. */
async function* readSource(source: string, maxBytes: number, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  const file = localSource(source);
  if (file !== null) {
    let info;
    try {
      info = await stat(file);
    } catch (error) {
      throw new DownloadError(source, null, 'the file does not exist or cannot be read', { cause: error, transient: false });
    }
    if (!info.isFile()) throw new DownloadError(source, null, 'not a regular file', { transient: false });
    if (info.size > maxBytes)
      throw new DownloadError(source, null, `${info.size} bytes exceed the limit of ${maxBytes}`, { transient: false });
    for await (const chunk of createReadStream(file, { signal })) yield chunk as Buffer;
    return;
  }
  let response: Response;
  try {
    response = await fetch(source, { signal, redirect: 'follow' });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new DownloadError(source, null, `network error: ${(error as Error).message}`, { cause: error });
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new DownloadError(source, response.status, 'the server refused it');
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body.cancel();
    throw new DownloadError(source, response.status, `${declared} bytes exceed the limit of ${maxBytes}`, { transient: false });
  }
  try {
    for await (const chunk of response.body) yield chunk;
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new DownloadError(source, null, `connection lost: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Saves an http(s) URL, a `file:` URL or an absolute local path to `dest`, atomically
 * (temp file in the same directory, fsync, rename) and within `maxBytes`.
 *
 * Idempotency: the content is always fetched (a size or ETag alone cannot prove an image
 * is unchanged) and hashed while it streams; when `dest` already has the same SHA-256 the
 * temp file is dropped and `dest` is left untouched (`outcome: 'unchanged'`).
 *
 * Throws {@link DownloadError} for HTTP/network failures, missing source files and size
 * limits, and rethrows `signal.reason` when aborted. Nothing is left at `dest` on failure.
 *
 * @example
 * ```ts
 * await downloadTo('https://image.tmdb.org/t/p/original/abc.jpg', '/movies/Heat (1995)/Heat-poster.jpg', signal);
 * ```
 */
export async function downloadTo(
  source: string,
  dest: string,
  signal?: AbortSignal,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
  signal?.throwIfAborted();
  await mkdir(path.dirname(dest), { recursive: true });
  const temp = tempPathFor(dest);
  const hash = createHash('sha256');
  let bytes = 0;
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx');
    for await (const chunk of readSource(source, maxBytes, signal)) {
      bytes += chunk.byteLength;
      if (bytes > maxBytes) {
        throw new DownloadError(source, null, `more than ${maxBytes} bytes`, { transient: false });
      }
      hash.update(chunk);
      await handle.write(chunk);
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    const sha256 = hash.digest('hex');
    const existing = await sha256OfFile(dest);
    if (existing !== null && existing.size === bytes && existing.sha256 === sha256) {
      await discardTemp(temp);
      return { outcome: 'unchanged', bytes, sha256 };
    }
    await rename(temp, dest);
    await syncDirectory(path.dirname(dest));
    return { outcome: 'written', bytes, sha256 };
  } catch (error) {
    await handle?.close();
    await discardTemp(temp);
    // An abort surfaces as the caller's reason (e.g. the job's timeout), not a stream error.
    throw signal?.aborted ? signal.reason : error;
  }
}
