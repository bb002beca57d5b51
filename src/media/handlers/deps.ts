/**
 * What the media handlers share: the services the plugin hands them, and the two rules
 * every phase applies when it chains (priority from `manual`, one dedupe key per entity).
 */
import path from 'node:path';
import { UnrecoverableError } from '../../errors.js';
import type { Job } from '../../types.js';
import { JOB_PRIORITY } from '../../types.js';
import type { MoviesRepository } from '../db/MoviesRepository.js';
import type { TvRepository } from '../db/TvRepository.js';
import { libraryContaining, scanJobOf, type LibraryKind, type LibraryRoot } from '../libraries.js';
import type { MetadataProvider, PlayerConfig } from '../types.js';

/** Services of the media handlers, built once by `createMediaPlugin`. */
export interface MediaServices {
  movies: MoviesRepository;
  /** The shows, episode files, seasons and their artwork of the `tvshows` libraries. */
  tv: TvRepository;
  provider: MetadataProvider;
  players: readonly PlayerConfig[];
  /**
   * Library roots of every kind, resolved. When non-empty, a scan outside them is refused
   * and a `moviePath` scan finds its library here.
   */
  libraryRoots: readonly string[];
  /** The same roots with their kinds: which pipeline may write where. */
  libraries: readonly LibraryRoot[];
}

/**
 * Refuses to work on a library configured as another kind: a movie phase never writes
 * into a `tvshows` library and a TV phase never into a `movies` one. A folder outside
 * every configured library (or with none configured) passes; the roots check is the
 * scan's own.
 *
 * @throws UnrecoverableError naming the library, its kind and the job type that fits it
 */
export function assertLibraryKind(services: MediaServices, target: string, kind: LibraryKind, jobType: string): void {
  const library = libraryContaining(services.libraries, target);
  if (library && library.kind !== kind) {
    throw new UnrecoverableError(
      `${jobType}: "${target}" is in the ${library.kind} library "${library.path}"; ${kind} jobs never write there ` +
        `(scan it with ${scanJobOf(library.kind)})`,
    );
  }
}

/**
 * The latest publish of a library, movies and shows alike (a library holds one kind, so
 * one of the two is null): notify jobs compare it before and after their call.
 */
export function lastPublishedAt(services: MediaServices, libraryPath: string): number | null {
  const times = [services.movies.lastPublishedAt(libraryPath), services.tv.lastPublishedAt(libraryPath)].filter((t): t is number => t !== null);
  return times.length === 0 ? null : Math.max(...times);
}

/** A job started by a person: the flag on the job, or the one carried in its payload. */
export function isManual(job: Job<string, { manual?: boolean | undefined }>): boolean {
  return job.manual || job.payload.manual === true;
}

/** Priority of the next phase: a person is waiting on manual work, so it goes first. */
export function chainPriority(manual: boolean): number {
  return manual ? JOB_PRIORITY.HIGH : JOB_PRIORITY.NORMAL;
}

/** Is `child` equal to or below `parent` (both absolute)? Compared on whole segments. */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}


/**
 * Dedupe key of the notify job of one player and library: publishes that happen while
 * one is waiting join it, so a burst of publishes makes one rescan per player.
 */
export function notifyDedupeKey(jobType: string, player: string, libraryPath: string): string {
  return `${jobType}:${player}:${libraryPath}`;
}

/** Dedupe key of a movie's enrichment: a rescan while one waits adds nothing. */
export function enrichDedupeKey(movieId: number): string {
  return `enrich-metadata:movie:${movieId}`;
}

/** Dedupe key of a show's enrichment: a rescan while one waits adds nothing. */
export function enrichTvShowDedupeKey(showId: number): string {
  return `enrich-tvshow:tvshow:${showId}`;
}
