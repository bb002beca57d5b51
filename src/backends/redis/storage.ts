/**
 * BullMQJobQueueStorage: the Redis backend, for installs that outgrow one machine.
 *
 * Every contract operation is one atomic Lua script on Redis (the counterpart of one SQLite
 * statement), so any number of processes on any number of machines share one queue. Times
 * come from the caller, as on every backend: leases, delays and the stalled sweep follow
 * the queue's clock, not Redis's. Job outcomes are appended to the queue's event stream in
 * BullMQ's format, and BullMQ's `QueueEvents` reads it back on every node ({@link
 * BullMQJobQueueStorage.events}). docs/architecture/bullmq.md explains why the lifecycle
 * runs in these scripts rather than in BullMQ's own job scripts.
 */
import { dedupeRetryError, listWindow } from '../../storage/policy.js';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { PhaseqError, StorageError } from '../../errors.js';
import type { Job, QueueStats } from '../../types.js';
import { CANCEL_SCRIPT, LIST_SCRIPT, NEXT_RUN_AT_SCRIPT, PAUSE_SCRIPT, RETRY_SCRIPT, STATS_SCRIPT, WORKER_SCRIPT } from './adminScripts.js';
import { LAYOUT_SCRIPT } from './layoutScript.js';
import { buildStats, type StateCounts } from '../../storage/stats.js';
import { subscribeJobEvents } from './crossNodeEvents.js';
import { hashToJob, isRedisJobId } from './hashToJob.js';
import { CLAIM_SCRIPT, COMPLETE_AND_CLAIM_SCRIPT, COMPLETE_SCRIPT } from './claimScripts.js';
import {
  ADD_SCRIPT,
  EXTEND_SCRIPT,
  FAIL_SCRIPT,
  POSTPONE_SCRIPT,
  PROGRESS_SCRIPT,
  RECOVER_SCRIPT,
  RELEASE_SCRIPT,
} from './leaseScripts.js';
import { resolveStorageOptions, type BullMQJobQueueStorageOptions } from './storageOptions.js';
import { IMPORT_SCRIPT, importArgs, parseImportReply } from './importScript.js';
import { watchWork } from './watchWork.js';
import { closeRedis, deleteKeysWithPrefix, openRedis, type OpenedRedis } from './connection.js';
import { RedisScript, type ScriptArg } from './RedisScript.js';
import { RedisScheduleStore } from './scheduleStore.js';
import type { IScheduleStore } from '../../scheduler/ScheduleStore.js';
import type {
  ImportedJob,
  ImportResult,
  AddedJob,
  CancelOutcome,
  ClaimFilter,
  ClaimReport,
  ClaimRequest,
  FailOutcome,
  IJobQueueStorage,
  JobListQuery,
  LeaseReport,
  LeaseRef,
  NewJob,
  PauseState,
  StallPolicy,
  StallReport,
  StorageEventsOptions,
  StorageJobEvent,
  WorkerAnnouncement,
} from '../../storage/types.js';

export type { StorageJobEvent } from './crossNodeEvents.js';
export type { BullMQJobQueueStorageOptions } from './storageOptions.js';

const scripts = {
  add: new RedisScript(ADD_SCRIPT),
  claim: new RedisScript(CLAIM_SCRIPT),
  complete: new RedisScript(COMPLETE_SCRIPT),
  completeAndClaim: new RedisScript(COMPLETE_AND_CLAIM_SCRIPT),
  fail: new RedisScript(FAIL_SCRIPT),
  release: new RedisScript(RELEASE_SCRIPT),
  postpone: new RedisScript(POSTPONE_SCRIPT),
  extend: new RedisScript(EXTEND_SCRIPT),
  recover: new RedisScript(RECOVER_SCRIPT),
  progress: new RedisScript(PROGRESS_SCRIPT),
  cancel: new RedisScript(CANCEL_SCRIPT),
  retry: new RedisScript(RETRY_SCRIPT),
  list: new RedisScript(LIST_SCRIPT),
  stats: new RedisScript(STATS_SCRIPT),
  nextRunAt: new RedisScript(NEXT_RUN_AT_SCRIPT),
  import: new RedisScript(IMPORT_SCRIPT),
  pause: new RedisScript(PAUSE_SCRIPT),
  worker: new RedisScript(WORKER_SCRIPT),
  layout: new RedisScript(LAYOUT_SCRIPT),
};

/** A claim filter as the claim scripts read it (see `readFilter` in claimScripts.ts). */
function filterArgs(filter: ClaimFilter | undefined): ScriptArg[] {
  if (!filter) return [-1];
  const out: ScriptArg[] = [filter.types.length];
  for (const t of filter.types) {
    const rate = t.rateLimit ?? null;
    const groupRate = t.groupRateLimit ?? null;
    out.push(t.type, t.concurrency ?? '', t.groupConcurrency ?? '');
    out.push(rate?.max ?? '', rate?.durationMs ?? '', groupRate?.max ?? '', groupRate?.durationMs ?? '');
  }
  return out;
}

/** Passes a claim script's next rate slot (-1: none) on to the caller's report. */
function reportSlot(report: ClaimReport | undefined, slot: unknown): void {
  if (report && typeof slot === 'number' && slot >= 0) report.nextSlotAt = slot;
}

function leasePairs(refs: readonly LeaseRef[]): string[] {
  const out: string[] = [];
  for (const r of refs) if (isRedisJobId(r.id)) out.push(r.id, r.workerId);
  return out;
}

function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new StorageError(`Redis ${what} returned an unexpected reply`);
  return value;
}

/**
 * The Redis storage backend (`phaseq/bullmq`).
 *
 * @example
 * ```ts
 * import { BullMQJobQueueStorage } from 'phaseq/bullmq';
 * const storage = new BullMQJobQueueStorage({ connection: 'redis://127.0.0.1:6379/0' });
 * const queue = new JobQueue({ storage, registry, concurrency: 20 });
 * ```
 */
export class BullMQJobQueueStorage implements IJobQueueStorage {
  readonly name = 'bullmq';
  readonly defaultConcurrency: number;
  /** Key prefix. */
  readonly prefix: string;
  /** Queue name. */
  readonly queueName: string;
  /** Identifies this instance in the event stream, so it can skip its own events. */
  readonly instanceId = randomUUID();
  readonly #connection: BullMQJobQueueStorageOptions['connection'];
  readonly #base: string;
  #opened: OpenedRedis | null = null;
  #opening: Promise<void> | null = null;
  readonly #watchers = new Set<() => void>();
  readonly #subscriptions = new Set<() => Promise<void>>();
  readonly #maxEvents: number | null;
  readonly #maxEventPayloadBytes: number | null;

  constructor(options: BullMQJobQueueStorageOptions) {
    const o = resolveStorageOptions(options);
    this.#connection = o.connection;
    this.prefix = o.prefix;
    this.queueName = o.queueName;
    this.#base = `${o.prefix}:${o.queueName}:`;
    this.defaultConcurrency = o.defaultConcurrency;
    this.#maxEvents = o.maxEvents;
    this.#maxEventPayloadBytes = o.maxEventPayloadBytes;
  }

  /** The Redis client (after `init`), e.g. to share it with a {@link RedisSettingsStore}. */
  get redis(): Redis {
    if (!this.#opened) throw new StorageError('Redis storage is not open: call init() (or queue.start()) first');
    return this.#opened.redis;
  }

  /**
   * Schedules under this queue's keys, shared by every node, so that each tick is enqueued
   * by one node ({@link RedisScheduleStore} over this storage's connection).
   */
  scheduleStore(): IScheduleStore {
    return new RedisScheduleStore({ storage: this });
  }

  async init(): Promise<void> {
    if (this.#opened) return;
    // Concurrent callers (a queue and a settings migration sharing one storage) share
    // one connection attempt.
    this.#opening ??= this.#open().finally(() => {
      this.#opening = null;
    });
    await this.#opening;
  }

  async #open(): Promise<void> {
    const opened = await openRedis(this.#connection, 'the job queue');
    const meta: Record<string, number> = {};
    if (this.#maxEvents !== null) meta.maxEvents = this.#maxEvents;
    if (this.#maxEventPayloadBytes !== null) meta.eventPayloadBytes = this.#maxEventPayloadBytes;
    try {
      if (Object.keys(meta).length > 0) await opened.redis.hset(`${this.#base}meta`, meta);
      // Keys written by a version before the queue controls get their per-type indexes.
      await opened.guard.run(scripts.layout.run(opened.redis, [this.#base]));
    } catch (error) {
      await closeRedis(opened);
      throw new StorageError(`Redis init failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    this.#opened = opened;
  }

  async close(): Promise<void> {
    // Watchers and event listeners hold their own connections, which would keep the
    // process alive.
    for (const stop of this.#watchers) stop();
    this.#watchers.clear();
    const subscriptions = [...this.#subscriptions];
    this.#subscriptions.clear();
    await Promise.all(subscriptions.map((stop) => stop()));
    const opened = this.#opened;
    this.#opened = null;
    if (opened) await closeRedis(opened);
  }

  async add(jobs: readonly NewJob[], now: number): Promise<AddedJob[]> {
    if (jobs.length === 0) return [];
    const args: ScriptArg[] = [now];
    for (const j of jobs) {
      args.push(
        j.type,
        j.payloadJson,
        j.priority,
        j.maxRetries,
        j.runAt,
        j.dedupeKey === null ? '' : `=${j.dedupeKey}`,
        j.timeoutMs === null ? '' : j.timeoutMs,
        j.manual ? 1 : 0,
        j.groupKey ?? '',
        j.debounce ? j.debounce.ms : '',
        j.debounce ? j.debounce.maxWaitMs : '',
        j.trace ?? '',
      );
    }
    const reply = asArray(await this.#run('add', scripts.add, args), 'add');
    const out: AddedJob[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) out.push({ id: String(reply[i]), created: reply[i + 1] === 1 });
    return out;
  }

  async claim(workerId: string, limit: number, now: number, leaseMs: number, filter?: ClaimFilter, report?: ClaimReport): Promise<Job[]> {
    if (limit <= 0) return [];
    const args = [workerId, now, now + leaseMs, Math.floor(limit), ...filterArgs(filter)];
    const [jobs, slot] = asArray(await this.#run('claim', scripts.claim, args), 'claim');
    reportSlot(report, slot);
    return asArray(jobs, 'claim').map(hashToJob);
  }

  async complete(refs: readonly LeaseRef[]): Promise<number> {
    const pairs = leasePairs(refs);
    if (pairs.length === 0) return 0;
    // The time of completion only dates the event (its duration since the claim); this
    // process's clock is the one its queue claimed with.
    return Number(await this.#run('complete', scripts.complete, [this.instanceId, Date.now(), ...pairs]));
  }

  /**
   * Optional capability: {@link BullMQJobQueueStorage.complete | complete} then {@link BullMQJobQueueStorage.claim | claim} in one atomic round trip, as
   * BullMQ's workers fetch their next job with the completion of the last. On Redis a
   * round trip costs more than the work of either script, so a queue that records a
   * completion and asks for the next job at once should prefer this.
   */
  async completeAndClaim(refs: readonly LeaseRef[], claim: ClaimRequest): Promise<{ completed: number; jobs: Job[] }> {
    const limit = Math.max(0, Math.floor(claim.limit));
    const args = [
      this.instanceId,
      claim.workerId,
      claim.now,
      claim.now + claim.leaseMs,
      limit,
      ...filterArgs(claim.filter),
      ...leasePairs(refs),
    ];
    const [completed, jobs, slot] = asArray(await this.#run('completeAndClaim', scripts.completeAndClaim, args), 'completeAndClaim');
    reportSlot(claim.report, slot);
    return { completed: Number(completed), jobs: asArray(jobs, 'completeAndClaim').map(hashToJob) };
  }

  async fail(ref: LeaseRef, outcome: FailOutcome, now: number): Promise<boolean> {
    if (!isRedisJobId(ref.id)) return false;
    const mode = outcome.retryAt !== null ? 'retry' : outcome.retain ? 'retain' : 'delete';
    const args = [this.instanceId, ref.id, ref.workerId, mode, outcome.retryAt ?? 0, outcome.error, now];
    return (await this.#run('fail', scripts.fail, args)) === 1;
  }

  async release(refs: readonly LeaseRef[]): Promise<void> {
    const pairs = leasePairs(refs);
    if (pairs.length > 0) await this.#run('release', scripts.release, pairs);
  }

  async postpone(ref: LeaseRef, runAt: number, note: string): Promise<boolean> {
    if (!isRedisJobId(ref.id)) return false;
    return (await this.#run('postpone', scripts.postpone, [ref.id, ref.workerId, runAt, note])) === 1;
  }

  async extendLeases(refs: readonly LeaseRef[], now: number, leaseMs: number): Promise<LeaseReport> {
    const report: LeaseReport = { lost: refs.filter((r) => !isRedisJobId(r.id)).map((r) => r.id), cancelRequested: [] };
    const pairs = leasePairs(refs);
    if (pairs.length === 0) return report;
    const [lost, cancel] = asArray(await this.#run('extendLeases', scripts.extend, [now + leaseMs, ...pairs]), 'extend');
    report.lost.push(...asArray(lost, 'extend').map(String));
    report.cancelRequested.push(...asArray(cancel, 'extend').map(String));
    return report;
  }

  async recoverStalled(policy: StallPolicy): Promise<StallReport> {
    const args = [this.instanceId, policy.now, policy.maxStalls, policy.retain ? 1 : 0];
    const report: StallReport = { recovered: [], failed: [] };
    for (const entry of asArray(await this.#run('recoverStalled', scripts.recover, args), 'recoverStalled')) {
      const [kind, why, hash] = asArray(entry, 'recoverStalled');
      const job = hashToJob(hash);
      if (kind === 'f') report.failed.push({ ...job, stalls: job.stalls + 1, lastError: String(why) });
      else report.recovered.push({ ...job, state: 'pending', stalls: job.stalls + 1, lockedBy: null, lockedUntil: null });
    }
    return report;
  }

  async setProgress(ref: LeaseRef, value: unknown): Promise<void> {
    if (!isRedisJobId(ref.id)) return;
    await this.#run('setProgress', scripts.progress, [ref.id, ref.workerId, JSON.stringify(value ?? null)]);
  }

  async get(id: string): Promise<Job | null> {
    if (!isRedisJobId(id)) return null;
    const opened = this.#opened;
    if (!opened) throw new StorageError('Redis storage is not open: call init() (or queue.start()) first');
    const flat = await this.#wrap('get', () => opened.guard.run(opened.redis.call('HGETALL', `${this.#base}job:${id}`)));
    return asArray(flat, 'get').length === 0 ? null : hashToJob(flat);
  }

  async cancel(id: string): Promise<CancelOutcome> {
    if (!isRedisJobId(id)) return { outcome: 'not_found', job: null };
    const [outcome, hash] = asArray(await this.#run('cancel', scripts.cancel, [id]), 'cancel');
    if (outcome === 'deleted') return { outcome: 'deleted', job: hashToJob(hash) };
    if (outcome === 'requested') return { outcome: 'requested', job: hashToJob(hash) };
    return { outcome: 'not_found', job: null };
  }

  async retry(id: string, now: number): Promise<Job | null> {
    if (!isRedisJobId(id)) return null;
    const reply = await this.#run('retry', scripts.retry, [id, now]);
    if (reply === 'DEDUPE') {
      throw dedupeRetryError(id);
    }
    return reply === null ? null : hashToJob(reply);
  }

  async list(query: JobListQuery, now: number): Promise<Job[]> {
    const { limit, offset } = listWindow(query);
    const state = query.state ?? 'all';
    const args = [now, state, query.type ?? '', limit, offset];
    // The script returns the page in claim order, already sliced.
    return asArray(await this.#run('list', scripts.list, args), 'list').map(hashToJob);
  }

  async stats(now: number): Promise<QueueStats> {
    const [perType, paused, workers] = asArray(await this.#run('stats', scripts.stats, [now]), 'stats');
    const counts = new Map<string, StateCounts>();
    const pt = asArray(perType, 'stats');
    for (let i = 0; i + 4 < pt.length; i += 5) {
      counts.set(String(pt[i]), {
        pending: Number(pt[i + 1]),
        delayed: Number(pt[i + 2]),
        processing: Number(pt[i + 3]),
        failed: Number(pt[i + 4]),
      });
    }
    const live = asArray(workers, 'stats').map((types) => JSON.parse(String(types)) as string[]);
    return buildStats(counts, toPauseState(asArray(paused, 'stats')), live);
  }

  async nextRunAt(types?: readonly string[]): Promise<number | null> {
    if (types && types.length === 0) return null;
    const reply = await this.#run('nextRunAt', scripts.nextRunAt, types ?? []);
    return reply === null ? null : Number(reply);
  }

  async pause(type: string | null, now: number): Promise<boolean> {
    return (await this.#run('pause', scripts.pause, ['pause', type ?? '', now])) === 1;
  }

  async resume(type: string | null): Promise<boolean> {
    return (await this.#run('resume', scripts.pause, ['resume', type ?? ''])) === 1;
  }

  async pauseState(): Promise<PauseState> {
    const opened = this.#opened;
    if (!opened) throw new StorageError('Redis storage is not open: call init() (or queue.start()) first');
    const members = await this.#wrap('pauseState', () => opened.guard.run(opened.redis.call('SMEMBERS', `${this.#base}paused`)));
    return toPauseState(asArray(members, 'pauseState'));
  }

  async announceWorker(worker: WorkerAnnouncement, now: number): Promise<void> {
    await this.#run('announceWorker', scripts.worker, ['announce', worker.id, worker.expiresAt, JSON.stringify(worker.types), now]);
  }

  async retireWorker(id: string): Promise<void> {
    await this.#run('retireWorker', scripts.worker, ['retire', id]);
  }

  /**
   * Stores jobs moved from another backend as pending, keeping their priority, run time,
   * attempts, stalls, creation time and last error, in one atomic script. Safe to re-run:
   * an origin imported before is not stored again.
   */
  async importJobs(jobs: readonly ImportedJob[]): Promise<ImportResult[]> {
    if (jobs.length === 0) return [];
    return parseImportReply(asArray(await this.#run('importJobs', scripts.import, importArgs(jobs)), 'importJobs'));
  }

  /**
   * Calls `onChange` when any process made work ready (added, retried, released or
   * recovered a job): pushed through the queue's `work` channel, with a slow poll of a
   * counter (every `intervalMs`, at least every second) for reconnects.
   */
  watch(onChange: () => void, intervalMs: number): () => void {
    const stop = watchWork(this.redis, this.#base, onChange, intervalMs);
    this.#watchers.add(stop);
    return () => {
      this.#watchers.delete(stop);
      stop();
    };
  }

  /**
   * Optional capability: hear the outcomes of jobs run by any node sharing this queue
   * (BullMQ `QueueEvents` on the queue's event stream, one blocking connection each), with
   * the job as stored at that moment. Events recorded through this very storage instance
   * are skipped unless `includeOwn` is set, since the local queue emits those itself.
   * `onError` hears connection errors of the listener (it keeps trying), unreadable
   * entries and listener errors. Resolves, once listening, with a function that stops it;
   * `close()` stops every listener still running.
   *
   * @example
   * ```ts
   * const stop = await storage.events((e) => console.log(e.kind, e.jobId, e.type), {
   *   onError: (error) => logger.error({ err: error }, 'event stream'),
   * });
   * ```
   */
  async events(listener: (event: StorageJobEvent) => void, options: StorageEventsOptions): Promise<() => Promise<void>> {
    const unsubscribe = await this.#wrap('events', () =>
      subscribeJobEvents({
        redis: this.redis,
        prefix: this.prefix,
        queueName: this.queueName,
        skipOrigin: options.includeOwn ? null : this.instanceId,
        listener,
        onError: options.onError,
      }),
    );
    let stopping: Promise<void> | null = null;
    const stop = (): Promise<void> => {
      this.#subscriptions.delete(stop);
      stopping ??= unsubscribe();
      return stopping;
    };
    this.#subscriptions.add(stop);
    return stop;
  }

  /** Deletes every key of this queue (tests, tear-down). Jobs are gone for good. */
  async destroy(): Promise<void> {
    const redis = this.redis;
    await this.#wrap('destroy', () => deleteKeysWithPrefix(redis, this.#base));
  }

  #run(op: string, script: RedisScript, args: readonly ScriptArg[]): Promise<unknown> {
    const opened = this.#opened;
    if (!opened) return Promise.reject(new StorageError('Redis storage is not open: call init() (or queue.start()) first'));
    return this.#wrap(op, () => opened.guard.run(script.run(opened.redis, [this.#base, ...args])));
  }

  async #wrap<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof PhaseqError) throw error;
      throw new StorageError(`Redis ${op} failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }
}

/** The members of the `paused` set as a {@link PauseState} ('' is the whole queue). */
function toPauseState(members: readonly unknown[]): PauseState {
  const all = members.map(String);
  return { queue: all.includes(''), types: all.filter((t) => t !== '').sort() };
}
