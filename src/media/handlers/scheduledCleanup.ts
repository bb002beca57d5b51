/**
 * The `scheduled-cleanup` job: tidies the library and the media tables.
 *
 * 1. Movies whose video file is gone are deleted from the tables, and the files publish
 *    wrote for them (NFO, artwork, trailer) are deleted from the folder; the players' syncs
 *    then drop them.
 * 2. Side files left in the library by movies that no longer exist are deleted: for a
 *    stem `S` with no video `S.<ext>` in its folder, `S.nfo` is removed when it is an NFO
 *    (root `<movie>`), and then `S-<kind>.<ext>` artwork next to it. A user's own
 *    `Holiday-poster.jpg` without such an NFO is never touched. A folder left with no video
 *    also loses `movie.nfo` (when it is an NFO) and `.actors/`.
 * 3. Temp files of interrupted atomic writes older than an hour are deleted.
 * 4. Artwork candidates that were never selected and are older than `candidateMaxAgeDays`
 *    are deleted from the tables.
 *
 * Every deletion stays inside a library root (checked with `resolveInside`).
 */
import { lstat, readdir, readFile, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { UnrecoverableError, type JobContext, type Job } from '../../index.js';
import { resolveInside } from '../files.js';
import { artworkPathFor, nfoPathsFor } from '../nfo.js';
import type { ScheduledCleanupPayload } from '../schemas.js';
import { ARTWORK_KINDS, type ArtworkKind } from '../types.js';
import { isInside, type MediaServices } from './deps.js';
import { enqueuePlayerSyncs } from './playerSyncQueue.js';

/** Options of {@link createScheduledCleanupHandler}. */
export interface ScheduledCleanupOptions {
  /** Unselected artwork candidates older than this many days are deleted. @default 30 */
  candidateMaxAgeDays?: number;
  /** Temp files of interrupted writes older than this are deleted. @default 3_600_000 (1 hour) */
  staleTempMs?: number;
}

/** What a `scheduled-cleanup` job reports. */
export interface ScheduledCleanupResult {
  roots: string[];
  /** Ids of movies removed because their video file is gone. */
  removedMovies: number[];
  /** Files deleted, relative to their library root. */
  deletedFiles: string[];
  /** Unselected candidates deleted from the tables. */
  deletedCandidates: number;
  /** Ids of the players' pending syncs the removed movies joined or enqueued. */
  playerSyncJobIds: string[];
}

const DAY_MS = 86_400_000;
const TEMP_RE = /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/;
const SIDE_RE = new RegExp(`^(.+)-(${ARTWORK_KINDS.join('|')})\\.([a-z0-9]{1,8})$`, 'i');

/**
 * The library roots a maintenance job works on: the payload's, else the configured roots,
 * else every root a stored movie names.
 *
 * @throws UnrecoverableError when the payload's root is not a configured library
 */
export function maintenanceRoots(services: MediaServices, libraryPath: string | undefined): string[] {
  if (libraryPath !== undefined) {
    const root = path.resolve(libraryPath);
    if (services.libraryRoots.length > 0 && !services.libraryRoots.includes(root)) {
      throw new UnrecoverableError(`libraryPath "${root}" is not one of the configured libraries (${services.libraryRoots.join(', ')})`);
    }
    return [root];
  }
  if (services.libraryRoots.length > 0) return [...services.libraryRoots];
  return [...new Set(services.movies.list().map((m) => path.resolve(m.libraryPath)))].sort();
}

async function isMovieNfo(file: string): Promise<boolean> {
  try {
    const head = (await readFile(file, 'utf8')).slice(0, 4096);
    return /^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*<movie[\s>]/.test(head);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Builds the `scheduled-cleanup` handler. `database` is the one holding the media tables.
 *
 * @example
 * ```ts
 * await scheduler.schedule('cleanup', { cron: '0 4 * * 0' }, { type: 'scheduled-cleanup', payload: {} });
 * ```
 */
export function createScheduledCleanupHandler(services: MediaServices, database: Database, options: ScheduledCleanupOptions = {}) {
  const maxAgeDays = options.candidateMaxAgeDays ?? 30;
  const staleTempMs = options.staleTempMs ?? 3_600_000;
  return async function scheduledCleanup(
    job: Job<'scheduled-cleanup', ScheduledCleanupPayload>,
    ctx: JobContext,
  ): Promise<ScheduledCleanupResult> {
    const log = ctx.logger;
    const roots = maintenanceRoots(services, job.payload.libraryPath);
    const scan = await ctx.phases.getConfig('scan');
    const videoExts = new Set(scan.videoExtensions.map((e) => `.${e}`));
    const result: ScheduledCleanupResult = { roots, removedMovies: [], deletedFiles: [], deletedCandidates: 0, playerSyncJobIds: [] };

    for (const root of roots) {
      const remove = async (absolute: string, recursive = false): Promise<void> => {
        const target = await resolveInside(root, path.relative(root, absolute));
        if (!(await exists(target))) return;
        if (recursive) await rm(target, { recursive: true, force: true });
        else await unlink(target);
        result.deletedFiles.push(path.relative(root, target));
      };

      // 1. Movies whose video is gone, with what publish wrote for them.
      for (const movie of services.movies.list()) {
        if (path.resolve(movie.libraryPath) !== root || (await exists(movie.videoFile))) continue;
        if (!isInside(root, path.resolve(movie.videoFile))) continue;
        const sideFiles = [
          ...nfoPathsFor(movie.videoFile),
          ...services.movies.selectedAssets(movie.id).map((a) => artworkPathFor(movie.videoFile, a.kind, a.ext)),
          ...ARTWORK_KINDS.map((kind: ArtworkKind) => artworkPathFor(movie.videoFile, kind)),
        ];
        for (const file of new Set(sideFiles)) await remove(file);
        services.movies.delete(movie.id);
        result.removedMovies.push(movie.id);
        log.info({ movieId: movie.id, videoFile: movie.videoFile }, 'cleanup: movie file gone, removed');
      }

      // 2 and 3. Orphaned side files and stale temp files, folder by folder.
      const walk = async (dir: string): Promise<void> => {
        ctx.signal.throwIfAborted();
        const entries = await readdir(dir, { withFileTypes: true });
        const files = entries.filter((e) => e.isFile()).map((e) => e.name);
        const stems = new Set(
          files
            .filter((f) => videoExts.has(path.extname(f).toLowerCase()) && !/-trailer\.[^.]+$/i.test(f))
            .map((f) => path.basename(f, path.extname(f))),
        );
        const orphanStems = new Set<string>();
        for (const f of files) {
          if (!f.toLowerCase().endsWith('.nfo') || f.toLowerCase() === 'movie.nfo') continue;
          const stem = f.slice(0, -4);
          if (!stems.has(stem) && (await isMovieNfo(path.join(dir, f)))) orphanStems.add(stem);
        }
        for (const f of files) {
          const full = path.join(dir, f);
          const side = SIDE_RE.exec(f);
          if ((f.endsWith('.nfo') && orphanStems.has(f.slice(0, -4))) || (side && orphanStems.has(side[1]!))) {
            await remove(full);
          } else if (TEMP_RE.test(f) && Date.now() - (await lstat(full)).mtimeMs > staleTempMs) {
            await remove(full);
          }
        }
        if (stems.size === 0 && orphanStems.size > 0) {
          if (files.includes('movie.nfo') && (await isMovieNfo(path.join(dir, 'movie.nfo')))) await remove(path.join(dir, 'movie.nfo'));
          if (entries.some((e) => e.isDirectory() && e.name === '.actors')) await remove(path.join(dir, '.actors'), true);
        }
        for (const e of entries) {
          // Hidden folders (.actors, .git, ...) and symlinks are not walked: nothing of ours lives below them.
          if (e.isDirectory() && !e.name.startsWith('.')) await walk(path.join(dir, e.name));
        }
      };
      if (await exists(root)) await walk(root);
    }

    if (result.removedMovies.length > 0) {
      const sync = await ctx.phases.getConfig('playerSync');
      result.playerSyncJobIds = await enqueuePlayerSyncs(services, ctx.queue, { manual: false, delaySeconds: sync.delaySeconds });
    }

    // 4. Candidates nobody selected, older than the limit.
    const cutoff = Date.now() - maxAgeDays * DAY_MS;
    const placeholders = roots.map(() => '?').join(', ');
    result.deletedCandidates = database
      .prepare(
        `DELETE FROM movie_assets WHERE selected = 0 AND created_at < ?
           AND movie_id IN (SELECT id FROM movies WHERE library_path IN (${placeholders}))`,
      )
      .run(cutoff, ...roots).changes;
    log.info(
      {
        roots,
        removedMovies: result.removedMovies.length,
        deletedFiles: result.deletedFiles.length,
        deletedCandidates: result.deletedCandidates,
      },
      'cleanup: done',
    );
    return result;
  };
}
