/**
 * The `scan-tv` phase: finds the shows and episode files of a `tvshows` library (or of
 * the given paths inside it), records them, forgets the ones that are gone (and has the
 * players drop them), and enqueues `enrich-tvshow` for every show that gained or changed
 * an episode or still needs the provider — or for every show found, with `refresh`. What
 * counts as an episode file is set by the `scan` phase config, as for movies.
 */
import { lstat, readdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { NotFoundError, UnrecoverableError, ValidationError, type JobContext, type Job, type JobInput } from '../../index.js';
import { resolveInside } from '../files.js';
import { parseShowFolder } from '../scan/parseEpisodeName.js';
import { scanTvLibrary, type FoundEpisodeFile, type TvSkipReason } from '../scan/scanTvLibrary.js';
import { episodeNfoPath, episodeThumbPath } from '../tv/artwork.js';
import type { ScanTvPayload } from '../tv/schemas.js';
import { assertLibraryKind, chainPriority, enrichTvShowDedupeKey, isInside, isManual, type MediaServices } from './deps.js';
import { enqueuePlayerSyncs } from './playerSyncQueue.js';
import { errnoCode } from '../errno.js';

/** What a `scan-tv` job reports as its result. */
export interface ScanTvResult {
  /** Library root of the shows. */
  libraryPath: string;
  /** What was walked: the library root, or the payload's paths. */
  scanned: string[];
  /** Show folders holding episode files among those walked, new ones, and ones removed (gone or emptied). */
  shows: { found: number; new: number; removed: number };
  /** Episode files: found, first seen, changed (size, mtime or numbers), unchanged, removed. */
  files: { found: number; new: number; changed: number; unchanged: number; removed: number };
  /** Episodes in the files found (a multi-episode file counts each). */
  episodes: number;
  /** `enrich-tvshow` jobs enqueued. */
  enqueued: number;
  /** Paths left out, and how many for each reason. */
  skipped: number;
  skippedBy: Partial<Record<TvSkipReason, number>>;
  /** Movie records of this folder from before it was a `tvshows` library, forgotten. */
  forgottenMovies: number;
  /** NFOs and stills of removed episode files, deleted (relative to the library root). */
  deletedSidecars: string[];
  /** Ids of the players' pending syncs that removed shows and episode files joined or enqueued. */
  playerSyncJobIds: string[];
}

/** The library root of a `scan-tv` job, checked against the configured libraries. */
function checkRoot(services: MediaServices, libraryPath: string): string {
  const root = path.resolve(libraryPath);
  assertLibraryKind(services, root, 'tvshows', 'scan-tv');
  if (services.libraries.length > 0 && !services.libraries.some((lib) => lib.kind === 'tvshows' && lib.path === root)) {
    const tv = services.libraries.filter((lib) => lib.kind === 'tvshows').map((lib) => lib.path);
    throw new UnrecoverableError(
      `libraryPath "${root}" is not a configured tvshows library (${tv.length > 0 ? tv.join(', ') : 'none is configured'})`,
    );
  }
  return root;
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** An episode NFO (ours, or any other tool's): root `<episodedetails>`. */
const EPISODE_NFO = /^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*<episodedetails[\s>]/;

/** Whether another video in the folder has the same name stem (`ep.avi` gone, `ep.mkv` there): it shares the sidecars. */
async function stemInUse(videoFile: string, extensions: ReadonlySet<string>): Promise<boolean> {
  const stem = path.basename(videoFile, path.extname(videoFile));
  const names = await readdir(path.dirname(videoFile)).catch((error: unknown) => {
    if (errnoCode(error) === 'ENOENT') return [] as string[];
    throw error;
  });
  return names.some(
    (n) =>
      n !== path.basename(videoFile) &&
      path.basename(n, path.extname(n)) === stem &&
      extensions.has(path.extname(n).slice(1).toLowerCase()),
  );
}

/**
 * Deletes the NFO and still of an episode file that is gone (a rename or delete): they
 * describe a video that no longer exists. The NFO only when it is an episode NFO, so a
 * file of the same name that is something else stays; nothing when another video of the
 * same name stem is still there (its sidecars have the same names).
 */
async function removeSidecars(root: string, videoFile: string, extensions: ReadonlySet<string>): Promise<string[]> {
  const deleted: string[] = [];
  if (await stemInUse(videoFile, extensions)) return deleted;
  const candidates = [episodeNfoPath(videoFile), episodeThumbPath(videoFile, 'jpg'), episodeThumbPath(videoFile, 'png')];
  for (const candidate of candidates) {
    const target = await resolveInside(root, path.relative(root, candidate));
    if (candidate.endsWith('.nfo')) {
      const head = await readFile(target, 'utf8').then(
        (t) => t.slice(0, 4096),
        (error: unknown) => {
          if (errnoCode(error) === 'ENOENT') return null;
          throw error;
        },
      );
      if (head === null || !EPISODE_NFO.test(head)) continue;
    }
    const removed = await unlink(target).then(
      () => true,
      (error: unknown) => {
        if (errnoCode(error) === 'ENOENT') return false;
        throw error;
      },
    );
    if (removed) deleted.push(path.relative(root, target));
  }
  return deleted;
}

/** Drops paths that lie inside another listed path: walking the outer one covers them. */
function outermost(paths: readonly string[]): string[] {
  const unique = [...new Set(paths.map((p) => path.resolve(p)))].sort();
  return unique.filter((p) => !unique.some((other) => other !== p && isInside(other, p)));
}

/**
 * Builds the `scan-tv` handler.
 *
 * @example
 * ```ts
 * await queue.addJob({ type: 'scan-tv', payload: { libraryPath: '/srv/tv' }, manual: true });
 * ```
 */
export function createScanTvHandler(services: MediaServices) {
  return async function scanTv(job: Job<'scan-tv', ScanTvPayload>, ctx: JobContext): Promise<ScanTvResult> {
    const manual = isManual(job);
    const log = ctx.logger;
    const root = checkRoot(services, job.payload.libraryPath);
    const info = await stat(root).catch((error: unknown) => {
      if (errnoCode(error) === 'ENOENT') return null;
      throw error;
    });
    // A missing library is an unmounted disk, never "every show was deleted"; retries apply.
    if (!info) throw new NotFoundError(`Library path "${root}" does not exist`);
    if (!info.isDirectory()) {
      throw new UnrecoverableError(`Library path "${root}" is a file, not a folder`, {
        cause: new ValidationError('not a folder', [{ path: 'payload.libraryPath', message: 'is a file, not a folder' }]),
      });
    }
    const targets = job.payload.paths ? outermost(job.payload.paths) : [root];
    const result: ScanTvResult = {
      libraryPath: root,
      scanned: targets,
      shows: { found: 0, new: 0, removed: 0 },
      files: { found: 0, new: 0, changed: 0, unchanged: 0, removed: 0 },
      episodes: 0,
      enqueued: 0,
      skipped: 0,
      skippedBy: {},
      forgottenMovies: 0,
      deletedSidecars: [],
      playerSyncJobIds: [],
    };
    const config = await ctx.phases.getConfig('scan');
    const videoExtensions = new Set(config.videoExtensions.map((e) => e.replace(/^\./, '').toLowerCase()));
    const found: FoundEpisodeFile[] = [];
    const walkedShows = new Set<string>();
    // Shows that lost a file: they stay if they have others, and their players must hear of it.
    const lostFiles = new Set<number>();
    const forget = async (target: string, present: ReadonlySet<string>): Promise<void> => {
      const removed = services.tv.removeMissingFiles(target, present);
      for (const r of removed) lostFiles.add(r.showId);
      result.files.removed += removed.length;
      for (const r of removed) result.deletedSidecars.push(...(await removeSidecars(root, r.videoFile, videoExtensions)));
    };

    for (const target of targets) {
      ctx.signal.throwIfAborted();
      if (!(await exists(target))) {
        // Deleted (Sonarr's EpisodeFileDelete, SeriesDelete): forget what was stored there.
        log.info({ target }, 'scan: path is gone, its episodes are removed');
        await forget(target, new Set());
        continue;
      }
      log.info({ libraryPath: root, target, manual }, 'scan: walking');
      const walked = await scanTvLibrary(root, target, config, { signal: ctx.signal });
      if (target === root && walked.entries === 0 && services.tv.countFilesUnder(root) > 0) {
        // An empty library folder is what an unmounted disk looks like: never read it as
        // "every show was deleted". Retries apply, since mounts come back.
        throw new NotFoundError(
          `Library path "${root}" is empty but ${services.tv.countFilesUnder(root)} episode files are stored for it: is the disk mounted? Nothing was removed`,
        );
      }
      for (const skip of walked.skipped) result.skippedBy[skip.reason] = (result.skippedBy[skip.reason] ?? 0) + 1;
      result.skipped += walked.skipped.length;
      if (walked.skipped.length > 0) log.debug({ skipped: walked.skipped.slice(0, 50) }, 'scan: paths left out');
      found.push(...walked.files);
      // What was walked is authoritative: a stored file under it that was not found is gone.
      await forget(target, new Set(walked.files.map((f) => f.videoFile)));
      if (target === root) for (const f of walked.files) walkedShows.add(f.showFolder);
    }

    // Upsert shows and files; collect the shows that need the provider.
    const now = Date.now();
    const touched = new Map<number, boolean>();
    for (const file of found) {
      ctx.signal.throwIfAborted();
      const folder = parseShowFolder(path.basename(file.showFolder));
      const show = services.tv.upsertShow({ libraryPath: root, path: file.showFolder, ...folder }, now);
      if (!touched.has(show.id)) {
        touched.set(show.id, show.status !== 'unchanged');
        result.shows.found += 1;
        if (show.status === 'new') result.shows.new += 1;
      }
      const outcome = services.tv.upsertFile(
        show.id,
        { videoFile: file.videoFile, folder: file.folder, fileSize: file.size, mtime: file.mtime, episodes: file.episodes },
        now,
      );
      result.files[outcome.status] += 1;
      result.episodes += file.episodes.length;
      if (outcome.status !== 'unchanged') touched.set(show.id, true);
    }
    result.files.found = found.length;

    // Shows that are gone, or were emptied; a full scan drops every show not seen on disk.
    const removedShows = new Set(services.tv.removeEmptyShows({ showIds: lostFiles }));
    for (const target of targets) {
      const keep = target === root ? walkedShows : undefined;
      for (const gone of services.tv.removeEmptyShows({ folder: target, ...(keep ? { keep } : {}) })) removedShows.add(gone);
    }
    result.shows.removed = removedShows.size;
    for (const showId of lostFiles) touched.set(showId, true);

    // Records of a library that was scanned as movies before it was a tvshows library.
    const stale = services.movies.listUnder(root).filter((m) => path.resolve(m.libraryPath) === root);
    for (const movie of stale) if (services.movies.delete(movie.id)) result.forgottenMovies += 1;
    if (result.forgottenMovies > 0)
      log.warn({ libraryPath: root, movies: result.forgottenMovies }, 'scan: forgot movie records of this tvshows library');

    const hasSeries = services.provider.series !== undefined;
    // A refresh, or a manual scan of some paths, re-enriches whatever the shows' state.
    const refresh = job.payload.refresh === true || (job.payload.paths !== undefined && manual);
    const toEnrich: JobInput<'enrich-tvshow'>[] = [];
    for (const [showId, changed] of touched) {
      if (!services.tv.getShow(showId)) continue;
      // Unmatched episodes are looked up again only when the provider has series at all.
      if (!changed && !refresh && !(hasSeries && services.tv.needsEnrichment(showId))) continue;
      toEnrich.push({
        type: 'enrich-tvshow',
        payload: { entityType: 'tvshow', entityId: showId, manual },
        priority: chainPriority(manual),
        manual,
        // One pending enrichment per show: a rescan while it waits adds nothing.
        dedupeKey: enrichTvShowDedupeKey(showId),
      });
    }
    if (toEnrich.length > 0) await ctx.queue.addJobs(toEnrich);
    result.enqueued = toEnrich.length;
    // Removed shows and files travel to the players like publishes do: their syncs drop them
    // (the players' own records of them are what still remembers them).
    if (result.files.removed > 0 || result.shows.removed > 0) {
      const sync = await ctx.phases.getConfig('playerSync');
      result.playerSyncJobIds = await enqueuePlayerSyncs(services, ctx.queue, { manual, delaySeconds: sync.delaySeconds });
    }
    log.info(result, 'scan: done, enrichment enqueued');
    return result;
  };
}
