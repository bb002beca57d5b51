/**
 * IJobQueueStorage: the one contract every storage backend fulfils.
 *
 * The queue owns policy (validation, retries, backoff, events, logging); a backend only
 * stores jobs and makes each transition atomic. Every method that changes a leased job
 * names the lease holder (`workerId`) and does nothing when the lease was lost, so a
 * process that was presumed dead can never overwrite the work of the one that took over.
 *
 * Times are epoch milliseconds, passed in by the caller so that one clock decides.
 */
import type { ClaimFilter, ClaimReport } from './claims.js';
import type { IScheduleStore } from '../scheduler/ScheduleStore.js';
import type { Job, QueueStats } from '../types.js';

/** A job to store, already validated and normalised by the queue. */
export interface NewJob {
  type: string;
  /** The validated payload. */
  payload: unknown;
  /** `payload` serialised as JSON (the queue serialises once, to check its size). */
  payloadJson: string;
  priority: number;
  maxRetries: number;
  runAt: number;
  dedupeKey: string | null;
  /** The key its type's `group.by` computed, or null (see {@link ClaimableType.groupConcurrency}). */
  groupKey: string | null;
  timeoutMs: number | null;
  manual: boolean;
  /**
   * Debounce window (only with a `dedupeKey`): when a pending job of the same type holds
   * the key, replace its payload (and group key) and move its run time to
   * `max(its runAt, min(now + ms, its createdAt + maxWaitMs))` instead of storing this
   * job; when the holder is processing, drop the key from it and store this job. Absent
   * or null: plain dedupe.
   */
  debounce?: DebounceWindow | null;
  /**
   * The producer's trace context as JSON (`{"traceparent":"00-…"}`), stored with the job
   * and returned as {@link Job.trace}; absent or null when none was active.
   */
  trace?: string | null;
}

/** See {@link NewJob.debounce}. */
export interface DebounceWindow {
  /** Quiet time after the latest add, in ms. */
  ms: number;
  /** Longest wait from the job's creation, in ms (>= `ms`). */
  maxWaitMs: number;
}

/** Result of storing one {@link NewJob}. */
export interface AddedJob {
  id: string;
  /**
   * False when an existing pending/running job with the same dedupe key was returned
   * (for a debounced add: the pending job whose payload it replaced).
   */
  created: boolean;
}

/** A leased job, named by its id and the worker that holds its lease. */
export interface LeaseRef {
  id: string;
  workerId: string;
}

/** What {@link IJobQueueStorage.completeAndClaim} claims. */
export interface ClaimRequest {
  workerId: string;
  limit: number;
  now: number;
  leaseMs: number;
  /** As the `filter` of {@link IJobQueueStorage.claim}. */
  filter?: ClaimFilter;
  /** As the `report` of {@link IJobQueueStorage.claim}. */
  report?: ClaimReport;
}

/** What is paused in a storage (see {@link IJobQueueStorage.pause}). */
export interface PauseState {
  /** The whole queue is paused: no job of any type is claimed. */
  queue: boolean;
  /** Job types paused on their own, sorted. */
  types: string[];
}

/**
 * A started queue telling the others sharing the storage that it runs, and which job
 * types it claims (read by {@link IJobQueueStorage.stats}).
 */
export interface WorkerAnnouncement {
  /** The queue's lease-holder id (one per started queue). */
  id: string;
  /** The job types its registry holds. */
  types: readonly string[];
  /** Epoch ms after which it is presumed dead unless announced again. */
  expiresAt: number;
}

/** How a failed attempt ends. */
export interface FailOutcome {
  /** Message (and stack) of the error, kept on the row for retained or retried jobs. */
  error: string;
  /** When to run again, or `null` when this was the last attempt. */
  retryAt: number | null;
  /** On a last attempt: keep the row as `failed` (dead-letter) instead of deleting it. */
  retain: boolean;
}

/** What one heartbeat learned. */
export interface LeaseReport {
  /** Jobs whose lease is no longer held by the caller (recovered by someone else, or gone). */
  lost: string[];
  /** Jobs someone asked to cancel while they run (e.g. from another process). */
  cancelRequested: string[];
}

/** What one stalled-job sweep did. */
export interface StallReport {
  /** Jobs whose lease had expired and that went back to pending. */
  recovered: Job[];
  /** Jobs whose lease had expired and that ran out of stalls or attempts. */
  failed: Job[];
}

/** Result of a cancel request. */
export type CancelOutcome = { outcome: 'deleted'; job: Job } | { outcome: 'requested'; job: Job } | { outcome: 'not_found'; job: null };

/** Filter for {@link IJobQueueStorage.list}. */
export interface JobListQuery {
  state?: 'pending' | 'delayed' | 'processing' | 'failed';
  type?: string;
  /** @default 50 */
  limit?: number;
  /** @default 0 */
  offset?: number;
}

/** Options for {@link IJobQueueStorage.recoverStalled}. */
export interface StallPolicy {
  now: number;
  /** Stalls allowed before a job fails for good. */
  maxStalls: number;
  /** Keep finally-failed jobs as `failed` instead of deleting them. */
  retain: boolean;
}

/**
 * One job outcome recorded by another process sharing the store, as the optional
 * {@link IJobQueueStorage.events} capability delivers it. The queue re-emits it as the
 * matching queue event, marked `remote`.
 */
export interface StorageJobEvent {
  /** What happened: `failed` is final; `retrying` is a failed attempt with retries left. */
  kind: 'completed' | 'failed' | 'retrying' | 'stalled';
  jobId: string;
  /** The job's type. */
  type: string;
  /** Attempts started so far. */
  attempts: number;
  /** The recorded failure (message and stack) for `failed` and `retrying`, else null. */
  error: string | null;
  /** When a `retrying` job runs next, else null. */
  nextRunAt: number | null;
  /** Identifies the storage instance (one per process and queue) that recorded the event. */
  origin: string;
  /**
   * The job as stored when the outcome was recorded: as it ran for `completed`, with its
   * new state, run time, stalls and last error for the others. Its `payload` is null when
   * {@link payloadOmitted}.
   */
  job: Job;
  /** The payload was too large to travel with the event (the backend caps it). */
  payloadOmitted: boolean;
  /**
   * For `completed`: milliseconds from the claim to the recorded completion, on the clock
   * of the process that ran the job. Null for the other kinds.
   */
  durationMs: number | null;
  /** For `failed`: the job failed because its lease expired (stalled on its last attempt or too often). */
  stalled: boolean;
}

/** Options of {@link IJobQueueStorage.events}. */
export interface StorageEventsOptions {
  /** Also deliver the events this storage instance recorded itself. @default false */
  includeOwn?: boolean;
  /**
   * Hears errors of the listening connection (it keeps trying), unreadable events, and
   * errors thrown by `listener`. Must not throw.
   */
  onError: (error: Error) => void;
}

/** Options of `IJobQueueStorage.watch`. */
export interface WatchOptions {
  /**
   * Asked before each look for other processes' commits: false skips the look. A queue
   * whose workers are all busy has nobody to wake (each claims again when its job is
   * done, and sees any commit then), and on SQLite the look is a read of the WAL index
   * after every commit of its own. A backend whose look costs nothing may ignore it.
   *
   * @default every look is made
   */
  wanted?: () => boolean;
}

/** The storage contract. See the module comment for the rules every backend keeps. */
export interface IJobQueueStorage {
  /** Short backend name for logs (`sqlite`, `memory`, `bullmq`). */
  readonly name: string;
  /** Workers a queue starts on this backend when the host does not say. */
  readonly defaultConcurrency: number;

  /** Opens connections and creates or migrates tables. Idempotent. */
  init(): Promise<void>;
  /** Releases connections. Jobs stay stored. */
  close(): Promise<void>;

  /** Stores jobs atomically, all or none, applying dedupe keys. Results follow input order. */
  add(jobs: readonly NewJob[], now: number): Promise<AddedJob[]>;
  /**
   * Atomically leases up to `limit` ready jobs (run time <= now), best priority first,
   * then earliest run time, then insertion order. Each claim counts as an attempt.
   *
   * With a `filter`, only jobs of its types are claimed, none while the queue or their
   * type is paused, and no more than their limits allow (counting the jobs processing
   * now, in any process). Within a priority, the jobs of a type with a `concurrency` limit
   * come first, up to its free slots, so that a limited type runs at its limit while its
   * jobs wait and other types use the rest. Within a grouped type, the jobs of a key at
   * its limit are skipped, not waited for: a later job of another key is claimed instead,
   * and jobs of one key are claimed in claim order. Without a filter every type is claimable and no
   * pause or limit applies (tools; a queue always passes its registry's filter).
   *
   * Rate limits (`rateLimit`, `groupRateLimit`) count starts: each job claimed under one is
   * recorded as a start at `now`, in the storage, so that every process sharing it obeys
   * the same window; starts older than the window are pruned. Jobs over a rate limit stay
   * pending, untouched (no attempt counted), and a key over its rate limit is skipped like
   * a key at its concurrency limit. When a `report` is passed, its `nextSlotAt` says when
   * the next slot of a rate limit that held jobs back opens.
   */
  claim(workerId: string, limit: number, now: number, leaseMs: number, filter?: ClaimFilter, report?: ClaimReport): Promise<Job[]>;
  /** Deletes completed jobs whose lease the caller still holds; returns how many. */
  complete(refs: readonly LeaseRef[]): Promise<number>;
  /**
   * Optional capability: `complete(refs)` then `claim(...)` as one atomic step (one
   * transaction, one round trip). The queue records the completions of a turn together
   * with the claims of the workers they freed, so a busy queue pays one commit per turn.
   */
  completeAndClaim?(refs: readonly LeaseRef[], claim: ClaimRequest): Promise<{ completed: number; jobs: Job[] }>;
  /** Records a failed attempt; false when the lease was lost (nothing changed). */
  fail(ref: LeaseRef, outcome: FailOutcome, now: number): Promise<boolean>;
  /** Returns leased jobs to pending without counting the attempt (graceful shutdown). */
  release(refs: readonly LeaseRef[], now: number): Promise<void>;
  /**
   * Returns a leased job to pending, to run no earlier than `runAt`, without counting the
   * attempt (the handler was rate limited by a remote service: it did not fail). `note`
   * is kept as the job's last error, to say why it waits. False when the lease was lost
   * (nothing changed).
   */
  postpone(ref: LeaseRef, runAt: number, note: string): Promise<boolean>;
  /** Renews leases held by the caller (heartbeat). */
  extendLeases(refs: readonly LeaseRef[], now: number, leaseMs: number): Promise<LeaseReport>;
  /** Sends jobs whose lease expired back to pending, or fails them for good. */
  recoverStalled(policy: StallPolicy): Promise<StallReport>;
  /** Stores a progress value on a leased job. */
  setProgress(ref: LeaseRef, value: unknown): Promise<void>;

  /** One job, or null. */
  get(id: string): Promise<Job | null>;
  /** Deletes a pending or failed job; flags a running one for its worker to abort. */
  cancel(id: string): Promise<CancelOutcome>;
  /** Puts a retained `failed` job back to pending with fresh attempts; null when not failed. */
  retry(id: string, now: number): Promise<Job | null>;
  /** Lists jobs, ordered as they would be claimed. */
  list(query: JobListQuery, now: number): Promise<Job[]>;
  /**
   * Counts by state and type, with the pause state and the live workers (announcements
   * not expired at `now`) that run each type.
   */
  stats(now: number): Promise<QueueStats>;
  /**
   * Earliest run time among pending jobs (of `types` only, when given; paused or not), or
   * null when there are none.
   */
  nextRunAt(types?: readonly string[]): Promise<number | null>;

  /**
   * Pauses the whole queue (`type` null) or one job type, for every process sharing the
   * storage: claims made after this resolves take none of its jobs. Running jobs are not
   * touched; adding jobs still works. Returns false when it was already paused.
   */
  pause(type: string | null, now: number): Promise<boolean>;
  /**
   * Undoes {@link pause} of the same scope (a type paused on its own stays paused when
   * the queue resumes, and the other way round). Returns false when it was not paused.
   * Wakes other processes' idle workers where the backend can (`watch`).
   */
  resume(type: string | null): Promise<boolean>;
  /** What is paused now. */
  pauseState(): Promise<PauseState>;

  /**
   * Records or renews a started queue's announcement, and forgets announcements that
   * expired before `now` (their process died without retiring them).
   */
  announceWorker(worker: WorkerAnnouncement, now: number): Promise<void>;
  /** Removes an announcement (the queue stopped). */
  retireWorker(id: string): Promise<void>;

  /**
   * Optional capability: call `onChange` when another process (or another queue on the
   * same store) may have added work, checking at most every `intervalMs`. Returns a
   * function that stops watching. Backends without it are polled by the workers.
   */
  watch?(onChange: () => void, intervalMs: number, options?: WatchOptions): () => void;

  /**
   * Optional capability: deliver the outcomes (`completed`, `failed`, `retrying`,
   * `stalled`) of jobs recorded by other storage instances sharing this store, each once,
   * in the order they were recorded, from the moment the returned promise resolves. Events
   * this instance recorded are skipped unless `includeOwn` (the local queue emits those
   * itself). Resolves with a function that stops listening. Backends whose processes
   * cannot hear each other (SQLite today) leave it out; `JobQueue`'s `remoteEvents`
   * option needs it.
   */
  events?(listener: (event: StorageJobEvent) => void, options: StorageEventsOptions): Promise<() => Promise<void>>;

  /**
   * Optional capability: a schedule store kept with this storage's jobs, which every
   * process sharing the storage shares (SQLite: the database's `schedules` table; Redis:
   * keys under the queue's prefix), so that each tick is enqueued by one process. A new
   * store on each call, over this storage's connection (memory: a store of this process).
   * `createScheduler(queue)` uses it; a storage without it needs a store given explicitly.
   */
  scheduleStore?(): IScheduleStore;
}

/** A job moved from another backend, as `BullMQJobQueueStorage.importJobs` takes it. */
export interface ImportedJob {
  /** Names the job in its source, e.g. `sqlite#42`: importing the same origin twice stores it once. */
  origin: string;
  /** The job as the source backend returned it; it is stored as pending. */
  job: Job;
}

/** What happened to one {@link ImportedJob}. */
export interface ImportResult {
  /** Id of the job on this storage (for `dedupe`: the live job holding the key). */
  id: string;
  /** `imported` now, imported `before` (a re-run), or refused: `dedupe` key held by a live job. */
  status: 'imported' | 'before' | 'dedupe';
}
