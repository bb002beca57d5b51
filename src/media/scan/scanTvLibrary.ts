/**
 * Walks a TV library (or a show folder, a season folder or one file inside it) and
 * returns the episode files in it, honouring the same scan settings as the movie walk:
 * ignore globs, file size limits, video extensions, no symlinked folders.
 *
 * Layout, as Kodi and Sonarr expect it: every show has its own folder directly in the
 * library (`Doctor Who (2005)/`); its episodes are in season folders (`Season 01/`,
 * `Specials/`) or directly in the show folder. Season and episode numbers come from the
 * file name (`S01E02`, `1x02`, `S01E02E03`, a daily show's `2024-01-31`); a season-less
 * marker (`E05`) takes its season from the season folder. A file name wins over its
 * folder, as in Kodi. Videos outside a show folder, without an episode marker, or with
 * only an absolute number are skipped with the reason, as are files that are not videos
 * (but not the NFOs, images and subtitles that go with them, nor `.actors` folders).
 */
import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ScannedEpisode } from '../db/tvRecords.js';
import { parseEpisodeName, parseSeasonFolder } from './parseEpisodeName.js';
import { assertFolder, COMPANION_EXTENSIONS, ignoreMatcher, type ScanOptions, type SkippedPath } from './scanLibrary.js';
import { errnoCode } from '../errno.js';

/** An episode file found on disk. */
export interface FoundEpisodeFile {
  /** The show folder it belongs to (directly in the library). */
  showFolder: string;
  videoFile: string;
  /** Folder holding the video file. */
  folder: string;
  /** Bytes. */
  size: number;
  /** Modification time, whole epoch milliseconds. */
  mtime: number;
  /** In file order: several for a multi-episode file. */
  episodes: ScannedEpisode[];
}

/** Why the TV walk left a path out. */
export type TvSkipReason =
  | Exclude<SkippedPath['reason'], 'stacked-part' | 'episode-file'>
  /** A video with no season/episode or date marker in its name. */
  | 'not-an-episode'
  /** Only an absolute (anime-style) number: no season can be derived from it. */
  | 'absolute-numbering'
  /** A sample clip. */
  | 'sample'
  /** A video directly in the library folder: Kodi reads shows from their own folders only. */
  | 'outside-show-folder';

/** A path the TV walk left out, and why. */
export interface TvSkippedPath {
  path: string;
  reason: TvSkipReason;
}

/** What {@link scanTvLibrary} returns. */
export interface TvScanResult {
  files: FoundEpisodeFile[];
  skipped: TvSkippedPath[];
  /** Folders read. */
  folders: number;
  /** Entries directly in the walked folder (0: it is empty), or 1 for a walked file. */
  entries: number;
}

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/**
 * Scans `target` (the library root, or a folder or video file inside it) for episodes.
 *
 * @param root the TV library: show folders are its direct children, ignore globs match relative to it
 * @example
 * ```ts
 * const { files } = await scanTvLibrary('/srv/tv', '/srv/tv/Lost (2004)', scanConfig, { signal });
 * ```
 */
export async function scanTvLibrary(
  root: string,
  target: string,
  options: ScanOptions,
  walkOptions: { signal?: AbortSignal } = {},
): Promise<TvScanResult> {
  const { signal } = walkOptions;
  const isIgnored = ignoreMatcher(options.ignorePatterns);
  const extensions = new Set(options.videoExtensions.map((e) => e.replace(/^\./, '').toLowerCase()));
  const minBytes = options.minFileSizeMB * MIB;
  // 0 means no upper limit (the scan config's documented meaning).
  const maxBytes = options.maxFileSizeGB > 0 ? options.maxFileSizeGB * GIB : Number.POSITIVE_INFINITY;
  const result: TvScanResult = { files: [], skipped: [], folders: 0, entries: 0 };
  const relOf = (full: string): string => path.relative(root, full).split(path.sep).join('/');

  /** Checks one video file; `info` is its stat (a followed symlink's target). */
  const visitFile = (full: string, info: { size: number; mtimeMs: number }): void => {
    const name = path.basename(full);
    if (!extensions.has(path.extname(name).slice(1).toLowerCase())) return;
    const segments = relOf(full).split('/');
    if (segments.length < 2) {
      result.skipped.push({ path: full, reason: 'outside-show-folder' });
      return;
    }
    const parsed = parseEpisodeName(name);
    if (parsed.kind === 'none' || parsed.kind === 'absolute' || parsed.kind === 'sample') {
      const reason = parsed.kind === 'none' ? 'not-an-episode' : parsed.kind === 'absolute' ? 'absolute-numbering' : 'sample';
      result.skipped.push({ path: full, reason });
      return;
    }
    if (info.size < minBytes) {
      result.skipped.push({ path: full, reason: 'too-small' });
      return;
    }
    if (info.size > maxBytes) {
      result.skipped.push({ path: full, reason: 'too-large' });
      return;
    }
    let episodes: ScannedEpisode[];
    if (parsed.kind === 'dated') {
      episodes = [{ aired: parsed.aired }];
    } else {
      // The nearest season folder between the show folder and the file, for `E05` names.
      const folderSeason = segments
        .slice(1, -1)
        .map(parseSeasonFolder)
        .reverse()
        .find((s): s is number => s !== null);
      const season = parsed.season ?? folderSeason ?? 1;
      episodes = parsed.episodes.map((episode) => ({ season, episode }));
    }
    result.files.push({
      showFolder: path.join(root, segments[0]!),
      videoFile: full,
      folder: path.dirname(full),
      size: info.size,
      mtime: Math.floor(info.mtimeMs),
      episodes,
    });
  };

  const walk = async (dir: string): Promise<void> => {
    signal?.throwIfAborted();
    result.folders += 1;
    const entries = await readdir(dir, { withFileTypes: true });
    if (dir === target) result.entries = entries.length;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const ext = path.extname(entry.name).slice(1).toLowerCase();
      if (isIgnored(relOf(full), entry.isDirectory())) {
        // Actor photos (written by publish) and hidden non-video files are never episodes.
        const noise = entry.isDirectory() ? entry.name === '.actors' : entry.name.startsWith('.') && !extensions.has(ext);
        if (!noise) result.skipped.push({ path: full, reason: 'ignored' });
        continue;
      }
      if (entry.isSymbolicLink()) {
        // A symlinked file is followed (its bytes are the episode); a folder is not.
        const info = await stat(full).catch((error: unknown) => {
          if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ELOOP') return null;
          throw error;
        });
        if (!info) result.skipped.push({ path: full, reason: 'broken-link' });
        else if (info.isDirectory()) result.skipped.push({ path: full, reason: 'symlinked-folder' });
        else if (info.isFile()) visitFile(full, info);
      } else if (entry.isDirectory()) {
        subdirs.push(full);
      } else if (entry.isFile()) {
        if (extensions.has(ext)) visitFile(full, await lstat(full));
        else if (!COMPANION_EXTENSIONS.has(ext)) result.skipped.push({ path: full, reason: 'not-video' });
      }
    }
    for (const sub of subdirs) await walk(sub);
  };

  const info = await lstat(target).catch((error: unknown) => {
    if (errnoCode(error) === 'ENOENT') return null;
    throw error;
  });
  if (info?.isFile() || info?.isSymbolicLink()) {
    // One file: the same rules as in a full walk, so a webhook's scan decides alike.
    result.entries = 1;
    if (isIgnored(relOf(target), false)) result.skipped.push({ path: target, reason: 'ignored' });
    else visitFile(target, info.isSymbolicLink() ? await stat(target) : info);
    return result;
  }
  await assertFolder(target, 'Library path');
  await walk(target);
  return result;
}
