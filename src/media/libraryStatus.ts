/**
 * Where each configured library stands: what it holds (movies; shows, seasons, episodes)
 * and where its pipeline is (scan → enrich → publish → player sync), read from the
 * stored jobs and the media tables. It needs no state of its own, so every process
 * sharing the storage answers the same, and a page can ask as often as it likes.
 *
 * The jobs are attributed to a library by their payloads: a scan and a publish name the
 * library (or, for a one-movie scan, a file inside it); an enrichment names its movie or
 * show, whose row names the library. Player syncs name only the player: one sync brings a
 * player in line with everything published, in every library, so their jobs are counted
 * for every library alike.
 *
 * Finished jobs are not stored, so "done" is not a count of jobs: it is the state of a
 * library none of whose jobs is waiting or running, and the counts say what got through
 * (`enriched`, `published`).
 */
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { NotFoundError, ValidationError, JOB_PRIORITY, type Job, type QueueStats, type JobEnqueuer, type JobListQuery } from '../index.js';
import { countMovieLibrary, countTvLibrary, type MovieLibraryCounts, type TvLibraryCounts } from './db/libraryCounts.js';
import type { MoviesRepository } from './db/MoviesRepository.js';
import type { TvRepository } from './db/TvRepository.js';
import { libraryContaining, scanJobOf, type LibraryKind, type LibraryRoot } from './libraries.js';

/** The pipeline's phases, in the order a library goes through them. */
export const LIBRARY_PHASES = ['scan', 'enrich', 'publish', 'playerSync'] as const;
/** One of {@link LIBRARY_PHASES}. */
export type LibraryPhase = (typeof LIBRARY_PHASES)[number];

/** The stored jobs of one phase of one library, by state. */
export interface PhaseJobCounts {
  /** Ready to run. */
  pending: number;
  /** Waiting for their run time (a player sync's pause, a retry's backoff). */
  delayed: number;
  /** Running now. */
  running: number;
  /** Failed for good and kept (`retainFailed: true`); they hold nothing up. */
  failed: number;
}

/** Where a library's pipeline is. */
export interface LibraryProgress {
  /**
   * The first phase that has a job waiting or running, or `done` when none has. Player
   * syncs serve every library: a library whose own phases are done shows `playerSync`
   * while any player sync waits or runs.
   */
  phase: LibraryPhase | 'done';
  /** The stored jobs of each phase. `playerSync` counts the syncs of every player, shared by every library. */
  jobs: Record<LibraryPhase, PhaseJobCounts>;
}

/** One configured library: what it is, what it holds, and where its pipeline is. */
export type LibraryStatus = {
  /** Its position among the configured libraries, from 1: the `:id` of the library routes. */
  id: number;
  /** Absolute folder. */
  path: string;
  /** The job type that scans it. */
  scanJob: 'scan-movie' | 'scan-tv';
  progress: LibraryProgress;
} & ({ kind: 'movies'; counts: MovieLibraryCounts } | { kind: 'tvshows'; counts: TvLibraryCounts });

/** What the media plugin knows that the status is read from (a `MediaPlugin` is one). */
export interface LibraryStatusContext {
  /** The configured libraries with their kinds. */
  libraries: readonly LibraryRoot[];
  movies: MoviesRepository;
  tv: TvRepository;
  /** The database holding the media tables. */
  database: SqliteDatabase;
}

/** What the status reads of the queue (a `JobQueue` is one). */
export interface JobReader {
  listJobs(query?: JobListQuery): Promise<Job[]>;
  getStats(): Promise<QueueStats>;
}

/** The pipeline's job types and their phase; other job types (maintenance, webhooks) belong to none. */
const PHASE_OF_TYPE: Readonly<Record<string, LibraryPhase>> = {
  'scan-movie': 'scan',
  'scan-tv': 'scan',
  'enrich-metadata': 'enrich',
  'enrich-tvshow': 'enrich',
  publish: 'publish',
  'publish-tvshow': 'publish',
  'notify-kodi': 'playerSync',
  'notify-jellyfin': 'playerSync',
  'notify-plex': 'playerSync',
};

/** The most `listJobs` returns at once. */
const PAGE = 1000;

function noJobs(): Record<LibraryPhase, PhaseJobCounts> {
  const zero = (): PhaseJobCounts => ({ pending: 0, delayed: 0, running: 0, failed: 0 });
  return { scan: zero(), enrich: zero(), publish: zero(), playerSync: zero() };
}

function stringField(payload: unknown, key: string): string | undefined {
  if (payload === null || typeof payload !== 'object') return undefined;
  const value: unknown = (payload as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

function numberField(payload: unknown, key: string): number | undefined {
  if (payload === null || typeof payload !== 'object') return undefined;
  const value: unknown = (payload as Record<string, unknown>)[key];
  return typeof value === 'number' ? value : undefined;
}

/** The library folder a pipeline job works in, or undefined (a player sync, or an item removed since). */
function libraryOf(job: Job, context: LibraryStatusContext): string | undefined {
  const named = stringField(job.payload, 'libraryPath') ?? stringField(job.payload, 'moviePath');
  if (named !== undefined) return libraryContaining(context.libraries, named)?.path;
  const id = numberField(job.payload, 'entityId');
  if (id === undefined) return undefined;
  if (job.type === 'enrich-metadata') return context.movies.get(id)?.libraryPath;
  if (job.type === 'enrich-tvshow') return context.tv.getShow(id)?.libraryPath;
  return undefined;
}

/** Every stored job of the pipeline's types, page by page, skipping the types without jobs. */
async function pipelineJobs(queue: JobReader): Promise<Job[]> {
  const stats = await queue.getStats();
  const jobs: Job[] = [];
  for (const [type, counts] of Object.entries(stats.byType)) {
    if (PHASE_OF_TYPE[type] === undefined) continue;
    if (counts.pending + counts.delayed + counts.processing + counts.failed === 0) continue;
    // Jobs move while the pages are read: a count may be off by the jobs that moved
    // meanwhile, never more, and the next read sees them where they are.
    for (let offset = 0; ; offset += PAGE) {
      const page = await queue.listJobs({ type, limit: PAGE, offset });
      jobs.push(...page);
      if (page.length < PAGE) break;
    }
  }
  return jobs;
}

function count(into: PhaseJobCounts, job: Job): void {
  if (job.state === 'processing') into.running++;
  else into[job.state]++;
}

function progressOf(jobs: Record<LibraryPhase, PhaseJobCounts>): LibraryProgress {
  const active = LIBRARY_PHASES.find((p) => jobs[p].pending + jobs[p].delayed + jobs[p].running > 0);
  return { phase: active ?? 'done', jobs };
}

function statusOf(
  lib: LibraryRoot,
  index: number,
  jobs: Record<LibraryPhase, PhaseJobCounts>,
  context: LibraryStatusContext,
): LibraryStatus {
  const base = { id: index + 1, path: lib.path, scanJob: scanJobOf(lib.kind), progress: progressOf(jobs) };
  return lib.kind === 'movies'
    ? { ...base, kind: 'movies', counts: countMovieLibrary(context.database, lib.path) }
    : { ...base, kind: 'tvshows', counts: countTvLibrary(context.database, lib.path) };
}

/**
 * Every configured library, in configuration order, with its kind, counts and progress.
 * Empty when no library is configured (the plugin then scans any folder, and knows no list).
 *
 * @example
 * ```ts
 * for (const lib of await listLibraries(queue, media)) {
 *   console.log(lib.id, lib.kind, lib.path, lib.progress.phase, lib.counts);
 * }
 * ```
 */
export async function listLibraries(queue: JobReader, context: LibraryStatusContext): Promise<LibraryStatus[]> {
  const perLibrary = new Map(context.libraries.map((lib) => [lib.path, noJobs()]));
  const shared = noJobs().playerSync;
  for (const job of await pipelineJobs(queue)) {
    const phase = PHASE_OF_TYPE[job.type];
    if (phase === undefined) continue;
    if (phase === 'playerSync') {
      count(shared, job);
      continue;
    }
    const library = libraryOf(job, context);
    const counts = library === undefined ? undefined : perLibrary.get(library);
    if (counts) count(counts[phase], job);
  }
  return context.libraries.map((lib, i) => {
    const jobs = perLibrary.get(lib.path) ?? noJobs();
    jobs.playerSync = { ...shared };
    return statusOf(lib, i, jobs, context);
  });
}

/**
 * The configured library with this id (its position from 1, as {@link listLibraries} gives it).
 *
 * @throws ValidationError when `id` is not a whole number from 1
 * @throws NotFoundError when no library has that id
 */
export function libraryById(context: Pick<LibraryStatusContext, 'libraries'>, id: unknown): LibraryRoot & { id: number } {
  const n = typeof id === 'string' && /^[0-9]+$/.test(id) ? Number(id) : id;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new ValidationError('A library id is a whole number from 1 (its position in the configured libraries)', [
      { path: 'id', message: 'must be a whole number from 1' },
    ]);
  }
  const lib = context.libraries[n - 1];
  if (!lib) throw new NotFoundError(`Library ${n} does not exist (${context.libraries.length} configured)`);
  return { ...lib, id: n };
}

/**
 * One library's status, as {@link listLibraries} gives it.
 *
 * @throws ValidationError for an id that is not a whole number from 1
 * @throws NotFoundError when no library has that id
 */
export async function libraryStatus(queue: JobReader, context: LibraryStatusContext, id: unknown): Promise<LibraryStatus> {
  const lib = libraryById(context, id);
  const all = await listLibraries(queue, context);
  const found = all[lib.id - 1];
  if (!found) throw new NotFoundError(`Library ${lib.id} does not exist`);
  return found;
}

/** What {@link enqueueLibraryScan} enqueued. */
export interface LibraryScanRequest {
  /** The manual scan job. */
  jobId: string;
  /** Its type: `scan-movie` or `scan-tv`, by the library's kind. */
  type: 'scan-movie' | 'scan-tv';
  /** The library folder it scans. */
  path: string;
  kind: LibraryKind;
}

/**
 * Enqueues a manual, high-priority scan of one configured library with the job of its
 * kind: `scan-movie` for a `movies` library, `scan-tv` for a `tvshows` one. Only what
 * changed on disk goes on to enrichment (a refresh, `refreshMedia`, redoes everything).
 *
 * @throws ValidationError for an id that is not a whole number from 1
 * @throws NotFoundError when no library has that id
 * @example
 * ```ts
 * const { jobId, type } = await enqueueLibraryScan(queue, media, 2); // type 'scan-tv' for a TV library
 * ```
 */
export async function enqueueLibraryScan(
  queue: JobEnqueuer,
  context: Pick<LibraryStatusContext, 'libraries'>,
  id: unknown,
): Promise<LibraryScanRequest> {
  const lib = libraryById(context, id);
  const type = scanJobOf(lib.kind);
  const jobId = await queue.addJob({ type, payload: { libraryPath: lib.path, manual: true }, manual: true, priority: JOB_PRIORITY.HIGH });
  return { jobId, type, path: lib.path, kind: lib.kind };
}
