/**
 * What the media handlers share: the services the plugin hands them, and the two rules
 * every phase applies when it chains (priority from `manual`, one dedupe key per entity).
 */
import path from 'node:path';
import type { Job } from '../../types.js';
import { JOB_PRIORITY } from '../../types.js';
import type { MoviesRepository } from '../db/MoviesRepository.js';
import type { PlayerSyncRepository } from '../db/PlayerSyncRepository.js';
import type { MetadataProvider, PlayerConfig } from '../types.js';

/** Services of the media handlers, built once by `createMediaPlugin`. */
export interface MediaServices {
  movies: MoviesRepository;
  /** What each player confirmed, and its sync generation. */
  syncs: PlayerSyncRepository;
  provider: MetadataProvider;
  players: readonly PlayerConfig[];
  /**
   * Library roots, resolved. When non-empty, a scan outside them is refused and a
   * `moviePath` scan finds its library here.
   */
  libraryRoots: readonly string[];
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
