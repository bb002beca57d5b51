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
 *
 * This class holds the workers' lease lifecycle (add, claim, complete, fail, …); the
 * connection is RedisJobConnection's (jobConnection.ts), and the reads, controls and
 * imports of dashboards, the CLI and migrate-storage are in adminOperations.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Job, QueueStats } from '../../types.js';
import * as admin from './adminOperations.js';
import { subscribeJobEvents } from './crossNodeEvents.js';
import { hashToJob, isRedisJobId } from './hashToJob.js';
import { CLAIM_SCRIPT, COMPLETE_AND_CLAIM_SCRIPT, COMPLETE_SCRIPT, filterArgs } from './claimScripts.js';
import {
  ADD_SCRIPT,
  addArgs,
  EXTEND_SCRIPT,
  FAIL_SCRIPT,
  POSTPONE_SCRIPT,
  PROGRESS_SCRIPT,
  RECOVER_SCRIPT,
  RELEASE_SCRIPT,
} from './leaseScripts.js';
import { resolveStorageOptions, type BullMQJobQueueStorageOptions } from './storageOptions.js';
import { deleteKeysWithPrefix } from './connection.js';
import { RedisJobConnection, replyArray } from './jobConnection.js';
import { RedisScript } from './RedisScript.js';
import { RedisScheduleStore } from './scheduleStore.js';
import type { IScheduleStore } from '../../scheduler/ScheduleStore.js';
import type {
  ImportedJob,
  ImportResult,
  AddedJob,
  CancelOutcome,
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
import type { ClaimFilter, ClaimReport } from '../../storage/claims.js';

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
};

/** Passes a claim script's next rate slot (-1: none) on to the caller's report. */
function reportSlot(report: ClaimReport | undefined, slot: unknown): void {
  if (report && typeof slot === 'number' && slot >= 0) report.nextSlotAt = slot;
}

function leasePairs(refs: readonly LeaseRef[]): string[] {
  const out: string[] = [];
  for (const r of refs) if (isRedisJobId(r.id)) out.push(r.id, r.workerId);
  return out;
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
  readonly #conn: RedisJobConnection;

  constructor(options: BullMQJobQueueStorageOptions) {
    const o = resolveStorageOptions(options);
    this.prefix = o.prefix;
    this.queueName = o.queueName;
    this.defaultConcurrency = o.defaultConcurrency;
    this.#conn = new RedisJobConnection(o);
  }

  /** The Redis client (after `init`), e.g. to share it with a {@link RedisSettingsStore}. */
  get redis(): Redis {
    return this.#conn.redis;
  }

  /**
   * Schedules under this queue's keys, shared by every node, so that each tick is enqueued
   * by one node ({@link RedisScheduleStore} over this storage's connection).
   */
  scheduleStore(): IScheduleStore {
    return new RedisScheduleStore({ storage: this });
  }

  init(): Promise<void> {
    return this.#conn.init();
  }

  close(): Promise<void> {
    return this.#conn.close();
  }

  async add(jobs: readonly NewJob[], now: number): Promise<AddedJob[]> {
    if (jobs.length === 0) return [];
    const reply = replyArray(await this.#conn.run('add', scripts.add, addArgs(jobs, now)), 'add');
    const out: AddedJob[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) out.push({ id: String(reply[i]), created: reply[i + 1] === 1 });
    return out;
  }

  async claim(workerId: string, limit: number, now: number, leaseMs: number, filter?: ClaimFilter, report?: ClaimReport): Promise<Job[]> {
    if (limit <= 0) return [];
    const args = [workerId, now, now + leaseMs, Math.floor(limit), ...filterArgs(filter)];
    const [jobs, slot] = replyArray(await this.#conn.run('claim', scripts.claim, args), 'claim');
    reportSlot(report, slot);
    return replyArray(jobs, 'claim').map(hashToJob);
  }

  async complete(refs: readonly LeaseRef[]): Promise<number> {
    const pairs = leasePairs(refs);
    if (pairs.length === 0) return 0;
    // The time of completion only dates the event (its duration since the claim); this
    // process's clock is the one its queue claimed with.
    return Number(await this.#conn.run('complete', scripts.complete, [this.instanceId, Date.now(), ...pairs]));
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
    const [completed, jobs, slot] = replyArray(
      await this.#conn.run('completeAndClaim', scripts.completeAndClaim, args),
      'completeAndClaim',
    );
    reportSlot(claim.report, slot);
    return { completed: Number(completed), jobs: replyArray(jobs, 'completeAndClaim').map(hashToJob) };
  }

  async fail(ref: LeaseRef, outcome: FailOutcome, now: number): Promise<boolean> {
    if (!isRedisJobId(ref.id)) return false;
    const mode = outcome.retryAt !== null ? 'retry' : outcome.retain ? 'retain' : 'delete';
    const args = [this.instanceId, ref.id, ref.workerId, mode, outcome.retryAt ?? 0, outcome.error, now];
    return (await this.#conn.run('fail', scripts.fail, args)) === 1;
  }

  async release(refs: readonly LeaseRef[]): Promise<void> {
    const pairs = leasePairs(refs);
    if (pairs.length > 0) await this.#conn.run('release', scripts.release, pairs);
  }

  async postpone(ref: LeaseRef, runAt: number, note: string): Promise<boolean> {
    if (!isRedisJobId(ref.id)) return false;
    return (await this.#conn.run('postpone', scripts.postpone, [ref.id, ref.workerId, runAt, note])) === 1;
  }

  async extendLeases(refs: readonly LeaseRef[], now: number, leaseMs: number): Promise<LeaseReport> {
    const report: LeaseReport = { lost: refs.filter((r) => !isRedisJobId(r.id)).map((r) => r.id), cancelRequested: [] };
    const pairs = leasePairs(refs);
    if (pairs.length === 0) return report;
    const [lost, cancel] = replyArray(await this.#conn.run('extendLeases', scripts.extend, [now + leaseMs, ...pairs]), 'extend');
    report.lost.push(...replyArray(lost, 'extend').map(String));
    report.cancelRequested.push(...replyArray(cancel, 'extend').map(String));
    return report;
  }

  async recoverStalled(policy: StallPolicy): Promise<StallReport> {
    const args = [this.instanceId, policy.now, policy.maxStalls, policy.retain ? 1 : 0];
    const report: StallReport = { recovered: [], failed: [] };
    for (const entry of replyArray(await this.#conn.run('recoverStalled', scripts.recover, args), 'recoverStalled')) {
      const [kind, why, hash] = replyArray(entry, 'recoverStalled');
      const job = hashToJob(hash);
      if (kind === 'f') report.failed.push({ ...job, stalls: job.stalls + 1, lastError: String(why) });
      else report.recovered.push({ ...job, state: 'pending', stalls: job.stalls + 1, lockedBy: null, lockedUntil: null });
    }
    return report;
  }

  async setProgress(ref: LeaseRef, value: unknown): Promise<void> {
    if (!isRedisJobId(ref.id)) return;
    await this.#conn.run('setProgress', scripts.progress, [ref.id, ref.workerId, JSON.stringify(value ?? null)]);
  }

  get(id: string): Promise<Job | null> {
    return admin.getJob(this.#conn, id);
  }

  cancel(id: string): Promise<CancelOutcome> {
    return admin.cancelJob(this.#conn, id);
  }

  retry(id: string, now: number): Promise<Job | null> {
    return admin.retryJob(this.#conn, id, now);
  }

  list(query: JobListQuery, now: number): Promise<Job[]> {
    return admin.listJobs(this.#conn, query, now);
  }

  stats(now: number): Promise<QueueStats> {
    return admin.readStats(this.#conn, now);
  }

  nextRunAt(types?: readonly string[]): Promise<number | null> {
    return admin.nextRunAt(this.#conn, types);
  }

  pause(type: string | null, now: number): Promise<boolean> {
    return admin.pause(this.#conn, type, now);
  }

  resume(type: string | null): Promise<boolean> {
    return admin.resume(this.#conn, type);
  }

  pauseState(): Promise<PauseState> {
    return admin.pauseState(this.#conn);
  }

  announceWorker(worker: WorkerAnnouncement, now: number): Promise<void> {
    return admin.announceWorker(this.#conn, worker, now);
  }

  retireWorker(id: string): Promise<void> {
    return admin.retireWorker(this.#conn, id);
  }

  /**
   * Stores jobs moved from another backend as pending, keeping their priority, run time,
   * attempts, stalls, creation time and last error, in one atomic script. Safe to re-run:
   * an origin imported before is not stored again.
   */
  importJobs(jobs: readonly ImportedJob[]): Promise<ImportResult[]> {
    return admin.importJobs(this.#conn, jobs);
  }

  /**
   * Calls `onChange` when any process made work ready (added, retried, released or
   * recovered a job): pushed through the queue's `work` channel, with a slow poll of a
   * counter (every `intervalMs`, at least every second) for reconnects.
   */
  watch(onChange: () => void, intervalMs: number): () => void {
    return this.#conn.watch(onChange, intervalMs);
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
  events(listener: (event: StorageJobEvent) => void, options: StorageEventsOptions): Promise<() => Promise<void>> {
    return this.#conn.subscribe('events', () =>
      subscribeJobEvents({
        redis: this.redis,
        prefix: this.prefix,
        queueName: this.queueName,
        skipOrigin: options.includeOwn ? null : this.instanceId,
        listener,
        onError: options.onError,
      }),
    );
  }

  /** Deletes every key of this queue (tests, tear-down). Jobs are gone for good. */
  async destroy(): Promise<void> {
    const redis = this.redis;
    await this.#conn.wrap('destroy', () => deleteKeysWithPrefix(redis, this.#conn.base));
  }
}
