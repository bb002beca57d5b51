/**
 * Follows one media pipeline run through the queue's events: which jobs belong to it
 * (the scan job and every job its handlers enqueued), how many of each phase are done,
 * and what they did. `done` resolves once every job of the run has completed or failed
 * for good; a job can only be added by a job of the run that is still running, so no
 * job can join after that moment. It resolves early, with `fatal` set, when a job fails
 * in a way every other job would too (the provider refused its credential).
 */
import cliProgress from 'cli-progress';
import type { PublishResult } from '../../media/handlers/publish.js';
import type { NotifyPlayerResult, PlayerChangeCounts } from '../../media/handlers/notifyPlayer.js';
import type { ScanMovieResult } from '../../media/handlers/scanMovie.js';
import type { PublishTvShowResult } from '../../media/handlers/publishTvShow.js';
import type { ScanTvResult } from '../../media/handlers/scanTv.js';
import type { SkipReason } from '../../media/scan/scanLibrary.js';
import type { TvSkipReason } from '../../media/scan/scanTvLibrary.js';
import type { QueueEvents } from '../../events.js';
import type { JobQueue } from '../../JobQueue.js';

export type { PlayerChangeCounts } from '../../media/handlers/notifyPlayer.js';

/** The pipeline's phases, in order, as the progress bars show them. */
export const MEDIA_PHASES = ['scan', 'enrich', 'publish', 'notify'] as const;
/** One phase of {@link MEDIA_PHASES}. */
export type MediaPhase = (typeof MEDIA_PHASES)[number];

function phaseOf(type: string): MediaPhase | null {
  // Movies and TV: the same four phases, with their own job types.
  if (type === 'scan-movie' || type === 'scan-tv') return 'scan';
  if (type === 'enrich-metadata' || type === 'enrich-tvshow') return 'enrich';
  if (type === 'publish' || type === 'publish-tvshow') return 'publish';
  if (type.startsWith('notify-')) return 'notify';
  return null;
}

/** What a run did, for the summary. */
export interface ScanSummary {
  moviesFound: number;
  /** Movies dropped because their files are gone (the players are told to drop them too). */
  moviesRemoved: number;
  /** TV: show folders with episodes, and episodes (a multi-episode file counts each). */
  showsFound: number;
  episodesFound: number;
  /** TV: shows and episode files dropped because their files are gone (the players are told too). */
  showsRemoved: number;
  episodeFilesRemoved: number;
  /**
   * Files and folders the scan left out, by reason (`too-small`, `too-large`, `ignored`,
   * `not-video`, `episode-file` in a movie library, `not-an-episode` in a TV library, …).
   */
  skipped: Partial<Record<SkipReason | TvSkipReason, number>>;
  nfosWritten: number;
  artworkWritten: number;
  /**
   * Player syncs that completed, by how they were confirmed: `verified` (the player's
   * library was read back: Kodi), `accepted` (the player accepted the request: Jellyfin,
   * Plex). A sync that had nothing to tell the player counts in neither.
   */
  playerSyncs: { verified: number; accepted: number };
  /** Movies the players confirmed, summed over those syncs. */
  playerChanges: PlayerChangeCounts;
  /** TV shows and episode files the players confirmed, summed over those syncs. */
  playerTvChanges: { shows: PlayerChangeCounts; episodes: PlayerChangeCounts };

  /** Jobs that failed for good. */
  failures: { id: string; type: string; error: string }[];
  /** Jobs per phase: added and finished (completed or failed). */
  phases: Record<MediaPhase, { total: number; finished: number }>;
}

/**
 * Failures that end a run at once: the provider refused its key or token, so every
 * remaining lookup would fail the same way (`ProviderCredentialsError`, matched by its
 * stable code as the queue hands it over).
 */
function endsRun(error: Error): boolean {
  return (error as { code?: unknown }).code === 'PROVIDER_CREDENTIALS';
}

/** Tracks a run; attach it before adding the run's first job. */
export class ScanRun {
  readonly summary: ScanSummary = {
    moviesFound: 0,
    moviesRemoved: 0,
    showsFound: 0,
    episodesFound: 0,
    showsRemoved: 0,
    episodeFilesRemoved: 0,
    skipped: {},
    nfosWritten: 0,
    artworkWritten: 0,
    playerSyncs: { verified: 0, accepted: 0 },
    playerChanges: { added: 0, refreshed: 0, removed: 0 },
    playerTvChanges: { shows: { added: 0, refreshed: 0, removed: 0 }, episodes: { added: 0, refreshed: 0, removed: 0 } },

    failures: [],
    phases: {
      scan: { total: 0, finished: 0 },
      enrich: { total: 0, finished: 0 },
      publish: { total: 0, finished: 0 },
      notify: { total: 0, finished: 0 },
    },
  };
  /** Resolves when every job of the run has finished, or when {@link fatal} is set. */
  readonly done: Promise<void>;
  /** The failure that ended the run early (see `done`), or null. */
  fatal: Error | null = null;
  readonly #ids = new Set<string>();
  readonly #onChange: () => void;
  #resolve: () => void = () => undefined;
  #detach: () => void;

  constructor(queue: JobQueue, onChange: () => void = () => undefined) {
    this.#onChange = onChange;
    this.done = new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
    const added: QueueEvents['job:added'] = ({ job }) => {
      const phase = phaseOf(job.type);
      if (!phase) return;
      this.#ids.add(job.id);
      this.summary.phases[phase].total++;
      this.#onChange();
    };
    const completed: QueueEvents['job:completed'] = ({ job, result }) => {
      if (this.#finish(job.id, job.type)) this.#record(job.type, result);
      this.#check();
    };
    const failed: QueueEvents['job:failed'] = ({ job, error }) => {
      if (this.#finish(job.id, job.type)) {
        this.summary.failures.push({ id: job.id, type: job.type, error: error.message });
        if (this.fatal === null && endsRun(error)) {
          this.fatal = error;
          this.#resolve();
        }
      }
      this.#check();
    };
    queue.on('job:added', added);
    queue.on('job:completed', completed);
    queue.on('job:failed', failed);
    this.#detach = () => {
      queue.off('job:added', added);
      queue.off('job:completed', completed);
      queue.off('job:failed', failed);
    };
  }

  /** Stops listening. */
  detach(): void {
    this.#detach();
  }

  /** Ids of the run's jobs that have not finished (after an early end: those to cancel). */
  unfinished(): string[] {
    return [...this.#ids];
  }

  #finish(id: string, type: string): boolean {
    const phase = phaseOf(type);
    if (!phase || !this.#ids.delete(id)) return false;
    this.summary.phases[phase].finished++;
    return true;
  }

  #record(type: string, result: unknown): void {
    if (type === 'scan-movie') {
      const scan = result as ScanMovieResult;
      this.summary.moviesFound += scan.found;
      this.summary.moviesRemoved += scan.removed;
      this.#skipped(scan.skippedBy);
    } else if (type === 'scan-tv') {
      const scan = result as ScanTvResult;
      this.summary.showsFound += scan.shows.found;
      this.summary.episodesFound += scan.episodes;
      this.summary.showsRemoved += scan.shows.removed;
      this.summary.episodeFilesRemoved += scan.files.removed;
      this.#skipped(scan.skippedBy);
    } else if (type === 'publish' || type === 'publish-tvshow') {
      for (const file of (result as PublishResult | PublishTvShowResult).files) {
        if (!file.written) continue;
        if (file.path.endsWith('.nfo')) this.summary.nfosWritten++;
        else this.summary.artworkWritten++;
      }
    } else if (type.startsWith('notify-')) {
      const sync = result as NotifyPlayerResult;
      if (sync.confirmation !== null) this.summary.playerSyncs[sync.confirmation]++;
      this.summary.playerChanges.added += sync.added;
      this.summary.playerChanges.refreshed += sync.refreshed;
      this.summary.playerChanges.removed += sync.removed;
      for (const what of ['shows', 'episodes'] as const) {
        const sum = this.summary.playerTvChanges[what];
        sum.added += sync[what].added;
        sum.refreshed += sync[what].refreshed;
        sum.removed += sync[what].removed;
      }
    }
  }

  #skipped(by: Partial<Record<SkipReason | TvSkipReason, number>>): void {
    for (const [reason, count] of Object.entries(by) as [SkipReason | TvSkipReason, number][]) {
      this.summary.skipped[reason] = (this.summary.skipped[reason] ?? 0) + count;
    }
  }

  #check(): void {
    this.#onChange();
    const total = MEDIA_PHASES.reduce((n, p) => n + this.summary.phases[p].total, 0);
    if (total > 0 && this.#ids.size === 0) this.#resolve();
  }
}

/**
 * One cli-progress bar per phase on stderr. On a non-terminal stderr cli-progress draws
 * nothing, so piped output holds only the summary.
 */
export function createPhaseBars(run: () => ScanSummary): { update(): void; stop(): void } {
  const multi = new cliProgress.MultiBar(
    {
      format: '{phase} |{bar}| {value}/{total} {failed}',
      hideCursor: true,
      clearOnComplete: false,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  // A bar appears when its phase gets its first job: an empty bar would draw as full.
  const bars = new Map<MediaPhase, cliProgress.SingleBar>();
  return {
    update() {
      const summary = run();
      for (const phase of MEDIA_PHASES) {
        const { total, finished } = summary.phases[phase];
        if (total === 0) continue;
        const failed = summary.failures.filter((f) => phaseOf(f.type) === phase).length;
        const payload = { phase: phase.padEnd(7), failed: failed > 0 ? `(${failed} failed)` : '' };
        let bar = bars.get(phase);
        if (!bar) {
          bar = multi.create(total, finished, payload);
          bars.set(phase, bar);
        }
        bar.setTotal(total);
        bar.update(finished, payload);
      }
    },
    stop() {
      multi.stop();
    },
  };
}
