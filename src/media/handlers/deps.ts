/**
 * What the media handlers share: the services the plugin hands them, and the two rules
 * every phase applies when it chains (priority from `manual`, one dedupe key per entity).
 */
import path from 'node:path';
import { QueueStateError } from '../../errors.js';
import type { JobContext } from '../../handlers/HandlerRegistry.js';
import type { PhaseConfiguration, PhaseName } from '../../phases/phaseConfig.js';
import type { Job } from '../../types.js';
import { JOB_PRIORITY } from '../../types.js';
import type { MoviesRepository } from '../db/MoviesRepository.js';
import type { MetadataProvider, PlayerConfig } from '../types.js';

/** Services of the media handlers, built once by `createMediaPlugin`. */
export interface MediaServices {
  movies: MoviesRepository;
  provider: MetadataProvider;
  players: readonly PlayerConfig[];
  /**
   * Library roots, resolved. When non-empty, a scan outside them is refused and a
   * `moviePath` scan finds its library here.
   */
  libraryRoots: readonly string[];
  /** Phase configuration to use when the queue's context has none. */
  phases?: MediaPhaseReader;
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

/** The part of the phase configuration service the media handlers read. */
export interface MediaPhaseReader {
  getConfig<P extends PhaseName>(phase: P): Promise<PhaseConfiguration[P]>;
}

/**
 * The phase configuration of a handler's context. Each phase reads its settings when its
 * job runs, so a change applies from the next job on.
 *
 * @throws QueueStateError when the queue was built without a phase configuration
 */
export function phasesOf(ctx: JobContext, fallback?: MediaPhaseReader): MediaPhaseReader {
  const phases = (ctx as JobContext & { phases?: MediaPhaseReader }).phases ?? fallback;
  if (!phases || typeof phases.getConfig !== 'function') {
    throw new QueueStateError(
      'The media pipeline needs the phase configuration: create the queue with `phases` (a PhaseConfigService)',
    );
  }
  return phases;
}
