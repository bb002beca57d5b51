/**
 * Walks a library folder and returns the movies in it, honouring the scan settings:
 * ignore globs (picomatch, against the path relative to the library root), file size
 * limits, and video extensions.
 *
 * One video file is one movie. Its title comes from its folder when the folder holds
 * exactly one movie ("Alien (1979)/alien.1080p.mkv"), otherwise from the file name (a flat
 * library). Stacked parts ("cd1", "part2") count once, as their first part. Symlinked
 * folders are not followed: they could lead outside the library or into a loop. A video
 * named like a TV episode (`S01E02`, `1x02`) is no movie: it is skipped as `episode-file`.
 */
import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import { NotFoundError, ValidationError } from '../../index.js';
import { looksLikeEpisode } from './parseEpisodeName.js';
import { parseMovieName } from './parseMovieName.js';
import { errnoCode } from '../errno.js';

/** The scan settings this walker reads (a subset of the `scan` phase config). */
export interface ScanOptions {
  /** Globs of paths to skip, relative to the library root; a glob without `/` matches a base name. */
  ignorePatterns: readonly string[];
  /** Files smaller than this many MiB are skipped (samples, trailers). */
  minFileSizeMB: number;
  /** Files larger than this many GiB are skipped; 0 means no limit. */
  maxFileSizeGB: number;
  /** Video file extensions, with or without the dot, any case. */
  videoExtensions: readonly string[];
}

/** A movie found on disk. */
export interface FoundMovie {
  /** Folder holding the video file. */
  folder: string;
  videoFile: string;
  /** Bytes. */
  size: number;
  /** Modification time, whole epoch milliseconds. */
  mtime: number;
  title: string;
  year: number | null;
  tmdbId?: string;
  imdbId?: string;
}

/** Why the walk left a file or folder out. */
export type SkipReason =
  | 'ignored'
  | 'too-small'
  | 'too-large'
  | 'not-video'
  | 'symlinked-folder'
  | 'broken-link'
  | 'stacked-part'
  /**
   * A video named like a TV episode (`S01E02`, `1x02`): it belongs in a `tvshows` library
   * and a movie NFO next to it would damage one.
   */
  | 'episode-file';

/**
 * A file or folder the walk left out, and why (for the log and the scan summary). Not
 * listed: the files that go with a video (NFOs, images, subtitles), `.actors` folders and
 * hidden non-video files (`.DS_Store`): they are never movies.
 */
export interface SkippedPath {
  path: string;
  reason: SkipReason;
}

/** Files that accompany a video (metadata, artwork, subtitles): never reported as "not video". */
export const COMPANION_EXTENSIONS = new Set([
  'nfo',
  'jpg',
  'jpeg',
  'png',
  'webp',
  'gif',
  'tbn',
  'srt',
  'sub',
  'idx',
  'ass',
  'ssa',
  'vtt',
  'sup',
]);

/** What {@link scanLibrary} returns. */
export interface ScanResult {
  movies: FoundMovie[];
  skipped: SkippedPath[];
  /** Folders read. */
  folders: number;
  /** Entries (files and folders) directly in the scanned folder: 0 means it is empty. */
  entries: number;
}

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const STACK_PART = /[\s._-]*[([]?(?:cd|dvd|part|pt|disc|disk)[\s._-]?(\d{1,2})[)\]]?(?=\.[^.]+$)/i;

interface FileEntry {
  file: string;
  size: number;
  mtime: number;
}

/**
 * Checks that `folder` is an existing directory.
 *
 * @throws NotFoundError when it does not exist
 * @throws ValidationError when it exists but is not a folder
 */
export async function assertFolder(folder: string, what: string): Promise<void> {
  let info;
  try {
    info = await stat(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NotFoundError(`${what} "${folder}" does not exist`);
    }
    throw error;
  }
  if (!info.isDirectory()) {
    throw new ValidationError(`${what} "${folder}" is not a folder`, [{ path: what, message: 'is a file, not a folder' }]);
  }
}

/** How {@link scanLibrary} walks. */
export interface WalkOptions {
  /** Aborts the walk between folders. */
  signal?: AbortSignal;
  /**
   * Look at this one video file only: `target` must be its folder, which is read without
   * descending, so the file gets the same filters and title rules as in a full scan.
   */
  onlyFile?: string;
}

/**
 * Scans `target` (the library root or a folder inside it) for movies.
 *
 * @param root library root: ignore globs are matched against paths relative to it
 * @param target folder to walk; `root` itself for a full scan
 * @example
 * ```ts
 * const { movies } = await scanLibrary('/srv/movies', '/srv/movies', scanConfig, { signal });
 * ```
 */
export async function scanLibrary(root: string, target: string, options: ScanOptions, walkOptions: WalkOptions = {}): Promise<ScanResult> {
  const { signal, onlyFile } = walkOptions;
  await assertFolder(target, 'Library path');
  const isIgnored = ignoreMatcher(options.ignorePatterns);
  const extensions = new Set(options.videoExtensions.map((e) => e.replace(/^\./, '').toLowerCase()));
  const minBytes = options.minFileSizeMB * MIB;
  // 0 means no upper limit (the scan config's documented meaning).
  const maxBytes = options.maxFileSizeGB > 0 ? options.maxFileSizeGB * GIB : Number.POSITIVE_INFINITY;
  const result: ScanResult = { movies: [], skipped: [], folders: 0, entries: 0 };

  const walk = async (dir: string): Promise<void> => {
    signal?.throwIfAborted();
    result.folders += 1;
    const entries = await readdir(dir, { withFileTypes: true });
    if (dir === target) result.entries = entries.length;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const videos: FileEntry[] = [];
    const subdirs: string[] = [];
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(root, full).split(path.sep).join('/');
      const ext = path.extname(entry.name).slice(1).toLowerCase();
      if (isIgnored(rel, entry.isDirectory())) {
        // Actor photos (written by publish) and hidden non-video files are never movies.
        const noise = entry.isDirectory() ? entry.name === '.actors' : entry.name.startsWith('.') && !extensions.has(ext);
        if (!noise) result.skipped.push({ path: full, reason: 'ignored' });
        continue;
      }
      let info;
      if (entry.isSymbolicLink()) {
        // A symlinked file is followed (its bytes are the movie); a folder is not.
        info = await stat(full).catch((error: unknown) => {
          // A dangling or looping link is a skipped entry, not a failed scan; anything
          // else (permissions, I/O) fails the scan.
          if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ELOOP') return null;
          throw error;
        });
        if (!info) {
          result.skipped.push({ path: full, reason: 'broken-link' });
          continue;
        }
        if (info.isDirectory()) {
          result.skipped.push({ path: full, reason: 'symlinked-folder' });
          continue;
        }
      } else if (entry.isDirectory()) {
        subdirs.push(full);
        continue;
      } else if (!entry.isFile()) {
        continue;
      }
      if (!extensions.has(ext)) {
        if (!COMPANION_EXTENSIONS.has(ext)) result.skipped.push({ path: full, reason: 'not-video' });
        continue;
      }
      if (looksLikeEpisode(entry.name)) {
        result.skipped.push({ path: full, reason: 'episode-file' });
        continue;
      }
      info ??= await lstat(full);
      if (info.size < minBytes) {
        result.skipped.push({ path: full, reason: 'too-small' });
        continue;
      }
      if (info.size > maxBytes) {
        result.skipped.push({ path: full, reason: 'too-large' });
        continue;
      }
      videos.push({ file: full, size: info.size, mtime: Math.floor(info.mtimeMs) });
    }
    collect(dir, dropStackedParts(videos, result.skipped));
    if (onlyFile !== undefined) return;
    for (const sub of subdirs) await walk(sub);
  };

  const collect = (dir: string, videos: FileEntry[]): void => {
    const useFolder = videos.length === 1 && path.resolve(dir) !== path.resolve(root);
    const fromFolder = useFolder ? parseMovieName(path.basename(dir)) : null;
    for (const v of videos) {
      const fromFile = parseMovieName(path.basename(v.file));
      const movie: FoundMovie = {
        folder: dir,
        videoFile: v.file,
        size: v.size,
        mtime: v.mtime,
        title: fromFolder?.title ?? fromFile.title,
        year: fromFolder?.year ?? fromFile.year,
      };
      const tmdbId = fromFolder?.tmdbId ?? fromFile.tmdbId;
      const imdbId = fromFolder?.imdbId ?? fromFile.imdbId;
      if (tmdbId !== undefined) movie.tmdbId = tmdbId;
      if (imdbId !== undefined) movie.imdbId = imdbId;
      result.movies.push(movie);
    }
  };

  await walk(target);
  if (onlyFile !== undefined) result.movies = result.movies.filter((m) => m.videoFile === onlyFile);
  return result;
}

/** A name no real pattern targets, used to ask "is everything inside this folder ignored?". */
const PROBE = 'phaseq-ignore-probe';

/**
 * Builds the ignore test. A pattern with a `/` is matched against the path relative to
 * the library root; one without is matched against the base name too (so `*.part` works
 * at any depth). A folder is skipped whole when a pattern matches it or anything inside
 * it: a glob ending in `Sample/**` matches "Heat/Sample/x" but not "Heat/Sample" itself.
 */
export function ignoreMatcher(patterns: readonly string[]): (rel: string, isDirectory: boolean) => boolean {
  if (patterns.length === 0) return () => false;
  const options = { dot: true, nocase: true };
  const pathGlobs = picomatch([...patterns], options);
  const namePatterns = patterns.filter((p) => !p.includes('/'));
  const nameGlobs = namePatterns.length > 0 ? picomatch(namePatterns, options) : () => false;
  return (rel, isDirectory) => {
    if (pathGlobs(rel) || nameGlobs(path.posix.basename(rel))) return true;
    return isDirectory && pathGlobs(`${rel}/${PROBE}`);
  };
}

/** Keeps the first part of each stack ("Movie cd1.avi" + "Movie cd2.avi" -> "Movie cd1.avi"). */
function dropStackedParts(videos: FileEntry[], skipped: SkippedPath[]): FileEntry[] {
  const seen = new Set<string>();
  const kept: FileEntry[] = [];
  for (const v of videos) {
    const name = path.basename(v.file);
    const key = STACK_PART.test(name) ? name.replace(STACK_PART, '').toLowerCase() : null;
    if (key !== null && seen.has(key)) {
      skipped.push({ path: v.file, reason: 'stacked-part' });
      continue;
    }
    if (key !== null) seen.add(key);
    kept.push(v);
  }
  return kept;
}
