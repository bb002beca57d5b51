/**
 * MemoryJobQueueStorage: the whole contract in process memory, for tests and for hosts
 * that do not need jobs to survive a restart. Several queues in one process may share
 * one instance (it then behaves like several processes sharing one database).
 *
 * Claims scan the pending jobs (O(n) per claim); it is meant for thousands of jobs, not
 * millions — use SQLite for depth.
 */
import { dedupeRetryError, listWindow, stallVerdict } from '../../storage/policy.js';
import type { Job, QueueStats } from '../../types.js';
import { ClaimBudget, hasRate, type RunningCount } from '../../storage/claimBudget.js';
import { compareClaimOrder, newJobView } from '../../storage/rows.js';
import { buildStats, emptyCounts, type StateCounts } from '../../storage/stats.js';
import type { IScheduleStore } from '../../scheduler/ScheduleStore.js';
import { MemoryScheduleStore } from './scheduleStore.js';
import { MemoryStarts } from './starts.js';
import type {
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
  WorkerAnnouncement,
} from '../../storage/types.js';
import type { ClaimFilter, ClaimReport } from '../../storage/claims.js';

interface Entry {
  job: Job;
  /** Serialised payload: every read returns a fresh copy, as a real store would. */
  payloadJson: string;
  cancelRequested: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * In-memory storage backend.
 *
 * @example
 * ```ts
 * const queue = new JobQueue({ storage: new MemoryJobQueueStorage(), registry });
 * ```
 */
export class MemoryJobQueueStorage implements IJobQueueStorage {
  readonly name = 'memory';
  readonly defaultConcurrency: number;
  readonly #entries = new Map<string, Entry>();
  readonly #dedupe = new Map<string, string>();
  readonly #watchers = new Set<() => void>();
  /** Paused job types; '' stands for the whole queue (a job type is never empty). */
  readonly #paused = new Set<string>();
  readonly #workers = new Map<string, WorkerAnnouncement>();
  readonly #starts = new MemoryStarts();
  #nextId = 1;

  /**
   * Schedules of this process only (they are lost when it exits), like the jobs: a new
   * store on each call; `JobQueue` keeps the one its scheduler got.
   */
  scheduleStore(): IScheduleStore {
    return new MemoryScheduleStore();
  }

  /** @param options.defaultConcurrency Workers a queue starts by default. @default 3 */
  constructor(options: { defaultConcurrency?: number } = {}) {
    this.defaultConcurrency = options.defaultConcurrency ?? 3;
  }

  async init(): Promise<void> {}

  async close(): Promise<void> {}

  async add(jobs: readonly NewJob[], now: number): Promise<AddedJob[]> {
    const out: AddedJob[] = [];
    for (const j of jobs) {
      const existing = j.dedupeKey === null ? undefined : this.#dedupe.get(j.dedupeKey);
      if (existing !== undefined && !this.#handOver(existing, j, now)) {
        out.push({ id: existing, created: false });
        continue;
      }
      const id = String(this.#nextId++);
      // The payload lives serialised in the entry; reads return fresh copies of it.
      const job: Job = { ...newJobView(id, j, now), payload: null };
      this.#entries.set(id, { job, payloadJson: j.payloadJson, cancelRequested: false });
      if (j.dedupeKey !== null) this.#dedupe.set(j.dedupeKey, id);
      out.push({ id, created: true });
    }
    if (out.some((a) => a.created)) for (const w of this.#watchers) w();
    return out;
  }

  /**
   * For a debounced add of the key's holder's type: replaces a pending holder's payload
   * and pushes its run time back (false: `j` is not stored), or takes the key from a
   * running holder (true: `j` is stored as its new holder). False for every other add.
   */
  #handOver(id: string, j: NewJob, now: number): boolean {
    const e = this.#entries.get(id);
    if (!e || !j.debounce || e.job.type !== j.type) return false;
    if (e.job.state === 'processing') {
      this.#update(e, { dedupeKey: null });
      return true;
    }
    const { ms, maxWaitMs } = j.debounce;
    e.payloadJson = j.payloadJson;
    this.#update(e, { groupKey: j.groupKey, runAt: Math.max(e.job.runAt, Math.min(now + ms, e.job.createdAt + maxWaitMs)) });
    return false;
  }

  async claim(workerId: string, limit: number, now: number, leaseMs: number, filter?: ClaimFilter, report?: ClaimReport): Promise<Job[]> {
    if (limit <= 0 || (filter && this.#paused.has(''))) return [];
    const types = filter?.types.filter((t) => !this.#paused.has(t.type));
    const rated = types?.filter(hasRate) ?? [];
    const read = rated.length > 0 ? this.#starts.read.bind(this.#starts) : null;
    const budget = types ? new ClaimBudget(types, this.#running(), read, now) : null;
    // Within a priority, types with a concurrency limit first (see the contract).
    const limited = new Set(types?.filter((t) => t.concurrency !== null).map((t) => t.type));
    const rank = (job: Job): number => (limited.has(job.type) ? 0 : 1);
    const ready = [...this.#entries.values()]
      .filter((e) => e.job.state === 'pending' && e.job.runAt <= now)
      .sort((a, b) => a.job.priority - b.job.priority || rank(a.job) - rank(b.job) || compareClaimOrder(a.job, b.job));
    const picked: Entry[] = [];
    for (const e of ready) {
      if (picked.length >= limit) break;
      if (!budget || budget.take(e.job.type, e.job.groupKey)) picked.push(e);
    }
    if (rated.length > 0) {
      for (const e of picked) {
        const rule = rated.find((t) => t.type === e.job.type);
        if (rule) this.#starts.record(rule, e.job.groupKey, now);
      }
      if (report) report.nextSlotAt = budget!.nextSlotAt();
    }
    return picked.map((e) => {
      const job = this.#update(e, {
        state: 'processing',
        lockedBy: workerId,
        lockedUntil: now + leaseMs,
        attempts: e.job.attempts + 1,
      });
      e.cancelRequested = false;
      return this.#copy(e, job);
    });
  }

  /** Jobs processing now, per type and group key. */
  #running(): RunningCount[] {
    const counts = new Map<string, RunningCount>();
    for (const { job } of this.#entries.values()) {
      if (job.state !== 'processing') continue;
      const k = JSON.stringify([job.type, job.groupKey]);
      const c = counts.get(k);
      if (c) c.n++;
      else counts.set(k, { type: job.type, groupKey: job.groupKey, n: 1 });
    }
    return [...counts.values()];
  }

  async complete(refs: readonly LeaseRef[]): Promise<number> {
    let n = 0;
    for (const r of refs) {
      const e = this.#leased(r);
      if (e) {
        this.#delete(e);
        n++;
      }
    }
    return n;
  }

  async completeAndClaim(refs: readonly LeaseRef[], claim: ClaimRequest): Promise<{ completed: number; jobs: Job[] }> {
    const completed = await this.complete(refs);
    return { completed, jobs: await this.claim(claim.workerId, claim.limit, claim.now, claim.leaseMs, claim.filter, claim.report) };
  }

  async fail(ref: LeaseRef, outcome: FailOutcome, _now: number): Promise<boolean> {
    const e = this.#leased(ref);
    if (!e) return false;
    if (outcome.retryAt !== null) {
      this.#update(e, { state: 'pending', runAt: outcome.retryAt, lastError: outcome.error, lockedBy: null, lockedUntil: null });
    } else if (outcome.retain) {
      this.#unindexDedupe(e);
      this.#update(e, { state: 'failed', lastError: outcome.error, lockedBy: null, lockedUntil: null });
    } else {
      this.#delete(e);
    }
    return true;
  }

  async release(refs: readonly LeaseRef[]): Promise<void> {
    for (const r of refs) {
      const e = this.#leased(r);
      if (e) {
        this.#update(e, { state: 'pending', attempts: Math.max(0, e.job.attempts - 1), lockedBy: null, lockedUntil: null });
      }
    }
  }

  async postpone(ref: LeaseRef, runAt: number, note: string): Promise<boolean> {
    const e = this.#leased(ref);
    if (!e) return false;
    this.#update(e, {
      state: 'pending',
      runAt,
      lastError: note,
      attempts: Math.max(0, e.job.attempts - 1),
      lockedBy: null,
      lockedUntil: null,
    });
    return true;
  }

  async extendLeases(refs: readonly LeaseRef[], now: number, leaseMs: number): Promise<LeaseReport> {
    const report: LeaseReport = { lost: [], cancelRequested: [] };
    for (const r of refs) {
      const e = this.#leased(r);
      if (!e) {
        report.lost.push(r.id);
        continue;
      }
      this.#update(e, { lockedUntil: now + leaseMs });
      if (e.cancelRequested) report.cancelRequested.push(r.id);
    }
    return report;
  }

  async recoverStalled(policy: StallPolicy): Promise<StallReport> {
    const report: StallReport = { recovered: [], failed: [] };
    for (const e of [...this.#entries.values()]) {
      const j = e.job;
      if (j.state !== 'processing' || j.lockedUntil === null || j.lockedUntil >= policy.now) continue;
      const { stalls, fail, why } = stallVerdict({ ...j, cancelRequested: e.cancelRequested }, policy.maxStalls);
      if (fail) {
        const snapshot = this.#copy(e, { ...j, stalls, lastError: why });
        if (policy.retain && !e.cancelRequested) {
          this.#unindexDedupe(e);
          this.#update(e, { state: 'failed', stalls, lastError: why, lockedBy: null, lockedUntil: null });
        } else {
          this.#delete(e);
        }
        report.failed.push(snapshot);
      } else {
        const job = this.#update(e, { state: 'pending', stalls, lockedBy: null, lockedUntil: null });
        report.recovered.push(this.#copy(e, job));
      }
    }
    return report;
  }

  async setProgress(ref: LeaseRef, value: unknown): Promise<void> {
    const e = this.#leased(ref);
    if (e) this.#update(e, { progress: JSON.parse(JSON.stringify(value ?? null)) });
  }

  async get(id: string): Promise<Job | null> {
    const e = this.#entries.get(id);
    return e ? this.#copy(e, e.job) : null;
  }

  async cancel(id: string): Promise<CancelOutcome> {
    const e = this.#entries.get(id);
    if (!e) return { outcome: 'not_found', job: null };
    const job = this.#copy(e, e.job);
    if (e.job.state === 'processing') {
      e.cancelRequested = true;
      return { outcome: 'requested', job };
    }
    this.#delete(e);
    return { outcome: 'deleted', job };
  }

  async retry(id: string, now: number): Promise<Job | null> {
    const e = this.#entries.get(id);
    if (!e || e.job.state !== 'failed') return null;
    const key = e.job.dedupeKey;
    if (key !== null) {
      if (this.#dedupe.has(key)) {
        throw dedupeRetryError(id);
      }
      this.#dedupe.set(key, id);
    }
    const job = this.#update(e, { state: 'pending', attempts: 0, stalls: 0, runAt: now });
    for (const w of this.#watchers) w();
    return this.#copy(e, job);
  }

  async list(query: JobListQuery, now: number): Promise<Job[]> {
    const { limit, offset } = listWindow(query);
    return [...this.#entries.values()]
      .filter((e) => (query.type === undefined || e.job.type === query.type) && matchesState(e.job, query.state, now))
      .sort((a, b) => compareClaimOrder(a.job, b.job))
      .slice(offset, offset + limit)
      .map((e) => this.#copy(e, e.job));
  }

  async stats(now: number): Promise<QueueStats> {
    const counts = new Map<string, StateCounts>();
    for (const { job } of this.#entries.values()) {
      const key =
        job.state === 'pending' ? (job.runAt > now ? 'delayed' : 'pending') : job.state === 'processing' ? 'processing' : 'failed';
      let c = counts.get(job.type);
      if (!c) counts.set(job.type, (c = emptyCounts()));
      c[key]++;
    }
    const live = [...this.#workers.values()].filter((w) => w.expiresAt >= now).map((w) => w.types);
    return buildStats(counts, await this.pauseState(), live);
  }

  async nextRunAt(types?: readonly string[]): Promise<number | null> {
    const only = types ? new Set(types) : null;
    let min: number | null = null;
    for (const { job } of this.#entries.values()) {
      if (job.state !== 'pending' || (only && !only.has(job.type))) continue;
      if (min === null || job.runAt < min) min = job.runAt;
    }
    return min;
  }

  async pause(type: string | null): Promise<boolean> {
    const key = type ?? '';
    if (this.#paused.has(key)) return false;
    this.#paused.add(key);
    return true;
  }

  async resume(type: string | null): Promise<boolean> {
    if (!this.#paused.delete(type ?? '')) return false;
    for (const w of this.#watchers) w();
    return true;
  }

  async pauseState(): Promise<PauseState> {
    return { queue: this.#paused.has(''), types: [...this.#paused].filter((t) => t !== '').sort() };
  }

  async announceWorker(worker: WorkerAnnouncement, now: number): Promise<void> {
    for (const [id, w] of this.#workers) if (w.expiresAt < now) this.#workers.delete(id);
    this.#workers.set(worker.id, { id: worker.id, types: [...worker.types], expiresAt: worker.expiresAt });
  }

  async retireWorker(id: string): Promise<void> {
    this.#workers.delete(id);
  }

  watch(onChange: () => void): () => void {
    // Changes are seen synchronously in one process: no polling needed.
    const listener = (): void => queueMicrotask(onChange);
    this.#watchers.add(listener);
    return () => this.#watchers.delete(listener);
  }

  #leased(ref: LeaseRef): Entry | undefined {
    const e = this.#entries.get(ref.id);
    return e && e.job.state === 'processing' && e.job.lockedBy === ref.workerId ? e : undefined;
  }

  #update(e: Entry, patch: Partial<Mutable<Job>>): Job {
    e.job = { ...e.job, ...patch };
    return e.job;
  }

  #copy(e: Entry, job: Job): Job {
    return { ...job, payload: JSON.parse(e.payloadJson) };
  }

  #unindexDedupe(e: Entry): void {
    const key = e.job.dedupeKey;
    if (key !== null && this.#dedupe.get(key) === e.job.id) this.#dedupe.delete(key);
  }

  #delete(e: Entry): void {
    this.#unindexDedupe(e);
    this.#entries.delete(e.job.id);
  }
}

function matchesState(job: Job, state: JobListQuery['state'], now: number): boolean {
  switch (state) {
    case undefined:
      return true;
    case 'pending':
      return job.state === 'pending' && job.runAt <= now;
    case 'delayed':
      return job.state === 'pending' && job.runAt > now;
    default:
      return job.state === state;
  }
}
