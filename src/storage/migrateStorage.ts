/**
 * migrateStorage: moves a queue from one backend to another — today from SQLite (or any
 * backend) to Redis — when an install outgrows one machine.
 *
 * What moves: every pending and delayed job, with its priority, run time, attempts,
 * stalls, dedupe key, group key and last error, the settings (phase configuration), the
 * pauses (of the whole queue or of job types), and the schedules when both storages keep
 * them (their next run and last tick too, so a tick enqueued on the source is not
 * enqueued again on the target). What stays:
 * retained dead-letter jobs (reported, retry them on the source first if they matter).
 *
 * Rules, and why:
 * - It refuses while workers run on the source (a processing job whose lease is live):
 *   a job moved while it runs would run twice. Jobs whose lease expired (their process
 *   died) are recovered on the source first, exactly as a live worker would, and moved.
 * - It is safe to re-run, e.g. after an interruption: each job is imported under its
 *   origin (`<sourceLabel>#<source id>`), and an origin imported before is not stored
 *   again. Moved jobs are deleted from the source page by page, after the target stored
 *   them, so that old workers started again by mistake find nothing to run twice.
 */
import { QueueStateError, ValidationError } from '../errors.js';
import type { ISettingsStore } from '../settings/types.js';
import type { IJobQueueStorage, ImportedJob, ImportResult } from './types.js';

/** A storage that can take jobs moved from elsewhere, keeping their attempts. */
export interface JobImportTarget extends IJobQueueStorage {
  importJobs(jobs: readonly ImportedJob[]): Promise<ImportResult[]>;
}

/** Options of {@link migrateStorage}. */
export interface MigrateStorageOptions {
  /** Where the queue is now. Opened with `init()` if needed; never closed here. */
  from: { storage: IJobQueueStorage; settings?: ISettingsStore };
  /** Where it goes. Opened with `init()` if needed; never closed here. */
  to: { storage: JobImportTarget; settings?: ISettingsStore };
  /**
   * Names the source in the target's import record; re-runs must use the same label.
   * Give each source its own label when merging several into one target: two sources
   * under one label would take each other's jobs for already moved (and, unless
   * `keepSource`, delete them).
   * @default from.storage.name (e.g. `sqlite`)
   */
  sourceLabel?: string;
  /**
   * Leave moved jobs in the source instead of deleting them.
   * @default false
   */
  keepSource?: boolean;
  /**
   * Jobs read and imported per round trip.
   * @default 500
   */
  batchSize?: number;
  /** The clock deciding which leases are live. @default Date.now */
  now?: () => number;
  /** Called after every page, for progress bars. */
  onProgress?: (progress: { moved: number; total: number }) => void;
}

/** What {@link migrateStorage} did. */
export interface MigrateStorageReport {
  /** Jobs stored on the target by this run. */
  moved: number;
  /** Jobs a previous run had already stored on the target. */
  alreadyMoved: number;
  /** Jobs not moved because a live target job holds their dedupe key (left on the source). */
  dedupeConflicts: { sourceId: string; targetId: string; dedupeKey: string | null }[];
  /** Source jobs whose expired lease was recovered before moving them. */
  recoveredStalled: number;
  /** Settings copied to the target. */
  settings: number;
  /** Schedules created or updated on the target (0 when either storage keeps none). */
  schedules: number;
  /** Pauses (of the whole queue, or of one job type) the target did not have yet. */
  pauses: number;
  /** Retained dead-letter jobs left on the source. */
  failedLeftOnSource: number;
}

const MAX_PAGE = 1000;

/**
 * Moves pending and delayed jobs and the settings from one storage to another.
 *
 * @example
 * ```ts
 * const report = await migrateStorage({
 *   from: { storage: new SQLiteJobQueueStorage({ filename: './data/phaseq.db' }),
 *           settings: new SQLiteSettingsStore({ filename: './data/phaseq.db' }) },
 *   to: { storage: new BullMQJobQueueStorage({ connection: 'redis://127.0.0.1:6379/0' }),
 *         settings: new RedisSettingsStore({ connection: 'redis://127.0.0.1:6379/0' }) },
 * });
 * console.log(`${report.moved} jobs moved`);
 * ```
 * @throws QueueStateError while a worker holds a live lease on the source.
 */
export async function migrateStorage(options: MigrateStorageOptions): Promise<MigrateStorageReport> {
  const { from, to } = options;
  const batchSize = Math.floor(options.batchSize ?? 500);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_PAGE) {
    throw new ValidationError('Invalid migrateStorage options', [
      { path: 'batchSize', message: `must be an integer from 1 to ${MAX_PAGE}` },
    ]);
  }
  if (from.storage === to.storage) {
    throw new ValidationError('migrateStorage needs two different storages', [
      { path: 'to.storage', message: 'is the same object as from.storage' },
    ]);
  }
  const label = options.sourceLabel ?? from.storage.name;
  const clock = options.now ?? Date.now;
  await Promise.all([from.storage.init(), to.storage.init(), from.settings?.init(), to.settings?.init()]);

  const recoveredStalled = await refuseWhileRunning(from.storage, clock());

  const report: MigrateStorageReport = {
    moved: 0,
    alreadyMoved: 0,
    dedupeConflicts: [],
    recoveredStalled,
    settings: 0,
    schedules: 0,
    pauses: 0,
    failedLeftOnSource: 0,
  };

  // Settings first: workers started on the target right after see the final configuration.
  if (from.settings && to.settings) {
    const settings = await from.settings.getAll();
    if (settings.size > 0) await to.settings.setMany(settings);
    report.settings = settings.size;
  }

  report.schedules = await copySchedules(from.storage, to.storage, clock());
  // Before the jobs: a worker already started on the target must not run paused work.
  report.pauses = await copyPauses(from.storage, to.storage, clock());

  // One instant decides pending vs delayed for the whole run, so no job changes list
  // between pages; the workers are stopped, so nothing else moves jobs meanwhile.
  const t0 = clock();
  const startStats = await from.storage.stats(t0);
  const total = startStats.pending + startStats.delayed;
  for (const state of ['pending', 'delayed'] as const) {
    // Jobs of this state left on the source (conflicts, or all of them with keepSource):
    // the next page starts after them.
    let leftInPlace = 0;
    for (;;) {
      const page = await from.storage.list({ state, limit: batchSize, offset: leftInPlace }, t0);
      if (page.length === 0) break;
      const results = await to.storage.importJobs(page.map((job) => ({ origin: `${label}#${job.id}`, job })));
      if (results.length !== page.length) {
        throw new QueueStateError(`Target storage answered ${results.length} results for ${page.length} jobs`);
      }
      const done: string[] = [];
      page.forEach((job, i) => {
        const r = results[i] as ImportResult;
        if (r.status === 'dedupe') {
          leftInPlace++;
          report.dedupeConflicts.push({ sourceId: job.id, targetId: r.id, dedupeKey: job.dedupeKey });
          return;
        }
        if (r.status === 'imported') report.moved++;
        else report.alreadyMoved++;
        done.push(job.id);
      });
      if (options.keepSource) leftInPlace += done.length;
      else for (const id of done) await from.storage.cancel(id);
      options.onProgress?.({ moved: report.moved + report.alreadyMoved, total });
    }
  }
  report.failedLeftOnSource = (await from.storage.stats(clock())).failed;
  return report;
}

/**
 * Copies every schedule, with its next run and last tick. A schedule the target already
 * holds with the same definition (an earlier run, or a process that declared it on the
 * target at start-up) keeps the target's times: the copy is safe to re-run.
 */
async function copySchedules(from: IJobQueueStorage, to: IJobQueueStorage, now: number): Promise<number> {
  const source = from.scheduleStore?.();
  const target = to.scheduleStore?.();
  if (!source || !target) return 0;
  await Promise.all([source.init(), target.init()]);
  let copied = 0;
  for (const s of await source.list()) {
    const { name, cron, everyMs, tz, catchUp, jobType, payloadJson, priority } = s;
    const result = await target.upsert({ name, cron, everyMs, tz, catchUp, jobType, payloadJson, priority }, s.nextRunAt, now);
    if (result === 'unchanged') continue;
    // upsert set nextRunAt; this sets the last tick without moving it.
    if (s.lastTick !== null) await target.advance(name, s.nextRunAt, s.lastTick, s.nextRunAt, now);
    copied++;
  }
  return copied;
}

/** Pauses the target wherever the source is paused; returns how many pauses were new there. */
async function copyPauses(from: IJobQueueStorage, to: IJobQueueStorage, now: number): Promise<number> {
  const state = await from.pauseState();
  let copied = 0;
  for (const scope of [...(state.queue ? [null] : []), ...state.types]) if (await to.pause(scope, now)) copied++;
  return copied;
}

/**
 * Throws while any source job holds a live lease; recovers expired ones (crashed workers)
 * to pending, without failing any, so that they move too. Returns how many it recovered.
 */
async function refuseWhileRunning(storage: IJobQueueStorage, now: number): Promise<number> {
  const running = await storage.list({ state: 'processing', limit: MAX_PAGE }, now);
  const live = running.filter((j) => j.lockedUntil !== null && j.lockedUntil >= now);
  if (live.length > 0) {
    const holders = [...new Set(live.map((j) => j.lockedBy ?? '?'))].join(', ');
    throw new QueueStateError(
      `Cannot migrate: ${live.length} job(s) are running on the source (workers ${holders}). ` +
        'Stop every worker on the source first, then run the migration again.',
    );
  }
  if (running.length === 0) return 0;
  const report = await storage.recoverStalled({ now, maxStalls: Number.MAX_SAFE_INTEGER, retain: true });
  return report.recovered.length;
}
