/**
 * What the media handlers share: the services the plugin hands them, and the two rules
 * every phase applies when it chains (priority from `manual`, one dedupe key per entity).
 */
import path from 'node:path';
import { UnrecoverableError, JOB_PRIORITY, type Job } from '../../index.js';
import type { MoviesRepository } from '../db/MoviesRepository.js';
import type { PlayerSyncRepository } from '../db/PlayerSyncRepository.js';
import type { TvRepository } from '../db/TvRepository.js';
import { libraryContaining, scanJobOf, type LibraryKind, type LibraryRoot } from '../libraries.js';
import type { MetadataProvider, PlayerConfig } from '../types.js';

/** Services of the media handlers, built once by `createMediaPlugin`. */
export interface MediaServices {
  movies: MoviesRepository;
  /** The shows, episode files, seasons and their artwork of the `tvshows` libraries. */
  tv: TvRepository;
  /** What each player confirmed, and its sync generation. */
  syncs: PlayerSyncRepository;
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

/** Dedupe key of a movie's enrichment: a rescan while one waits adds nothing. */
export function enrichDedupeKey(movieId: number): string {
  return `enrich-metadata:movie:${movieId}`;
}

/** Dedupe key of a show's enrichment: a rescan while one waits adds nothing. */
export function enrichTvShowDedupeKey(showId: number): string {
  return `enrich-tvshow:tvshow:${showId}`;
}
