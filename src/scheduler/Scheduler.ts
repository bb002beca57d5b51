/**
 * Scheduler: recurring jobs (cron or fixed interval) stored in an {@link IScheduleStore},
 * so every process sharing the store sees the same schedules and enqueues each tick once.
 *
 * How a tick is fired exactly once across processes:
 * 1. Every process polls the store (and sets a timer for the soonest `nextRunAt`).
 * 2. A process that finds `nextRunAt <= now` computes the tick to fire and the next one,
 *    then calls `store.advance(name, <nextRunAt it read>, tick, next)`: a compare-and-set
 *    in one IMMEDIATE transaction. Only one process's UPDATE matches.
 * 3. That process, and only it, enqueues the job right after the commit, with the dedupe
 *    key `schedule:<name>:<tick>`.
 *
 * The enqueue happens after the commit rather than inside it because the store and the
 * job storage need not share a connection (or even a backend). The price: a process that
 * dies between the commit and the enqueue loses that one tick (at most once, never
 * twice). The same holds when the enqueue itself fails (say the job type is no longer
 * registered): the tick is reported (`schedule:error`, logged) and not retried. A dedupe
 * key alone would not be enough: once a tick's job completes its row is deleted, and a
 * slower process would enqueue the same tick again.
 *
 * Missed ticks: a tick more than `missedAfterMs` old when it is looked at was missed
 * (no process ran). Missed ticks are skipped, or, with `catchUp`, run once. Several
 * ticks that fell due since the last check are always folded into the latest one.
 */
import { EventEmitter } from 'eventemitter3';
import { pino, type Logger } from 'pino';
import { NotFoundError, ValidationError, toError, type ValidationIssue } from '../errors.js';
import { JOB_PRIORITY, type JobInput, type PayloadOf } from '../types.js';
import type { IScheduleStore, StoredSchedule } from './ScheduleStore.js';
import { MAX_TIMER_DELAY_MS } from '../timers.js';
import { NEVER, latestTickAtOrBefore, nextTickAfter, type TickSpec } from './ticks.js';

/** When a schedule ticks: a cron pattern (croner syntax) or a fixed interval. */
export type ScheduleTrigger = { cron: string; everyMs?: undefined } | { everyMs: number; cron?: undefined };

/** The job each tick enqueues. */
export interface ScheduledJob<T extends string = string> {
  type: T;
  payload: PayloadOf<T>;
  /** @default JOB_PRIORITY.NORMAL */
  priority?: number;
}

/** Options of one schedule. */
export interface ScheduleOptions {
  /** IANA time zone a cron pattern is read in (e.g. `Europe/Paris`). @default the process's zone */
  tz?: string;
  /** Run once on start when ticks were missed while no process ran. @default false */
  catchUp?: boolean;
}

/** A schedule as listed: its definition, last tick and next run time (epoch ms). */
export interface ScheduleInfo {
  name: string;
  cron: string | null;
  everyMs: number | null;
  tz: string | null;
  catchUp: boolean;
  job: { type: string; payload: unknown; priority: number };
  /** The last tick that was enqueued, or null. */
  lastRunAt: number | null;
  /** The next tick, or null when a cron pattern has no future run. */
  nextRunAt: number | null;
}

/** Events of a {@link Scheduler}. */
export interface SchedulerEvents {
  /** A tick (or a "run now") enqueued its job. `tick` is the tick's instant, null for "run now". */
  'schedule:enqueued': (event: { name: string; tick: number | null; jobId: string }) => void;
  /** Ticks were missed while no process ran and `catchUp` is off: they were skipped. */
  'schedule:skipped': (event: { name: string; missedTick: number; nextRunAt: number | null }) => void;
  /** Reading the store or enqueueing a tick failed (logged too). */
  'schedule:error': (event: { name: string | null; error: Error }) => void;
}

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  /** Where schedules live. */
  store: IScheduleStore;
  /** Enqueues one job (e.g. `queue.addJob`). */
  enqueue: (input: JobInput) => Promise<string>;
  /**
   * Checks a job's payload when a schedule is declared, so a bad schedule fails at
   * `schedule()` rather than at every tick (e.g. `registry.parsePayload`).
   * @default none
   */
  validate?: (type: string, payload: unknown) => unknown;
  /** @default pino at level 'info' */
  logger?: Logger;
  /** How often the store is read for due ticks (other processes may add schedules). @default 1000 */
  pollMs?: number;
  /** A tick older than this when looked at was missed (no process ran). @default 5000 */
  missedAfterMs?: number;
  /** The clock. @default Date.now */
  now?: () => number;
}

/** Smallest interval accepted: ticks are checked about once a second. */
export const MIN_EVERY_MS = 1000;

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

function invalid(message: string, path: string): ValidationError {
  return new ValidationError(message, [{ path, message }]);
}

function toInfo(row: StoredSchedule): ScheduleInfo {
  return {
    name: row.name,
    cron: row.cron,
    everyMs: row.everyMs,
    tz: row.tz,
    catchUp: row.catchUp,
    job: { type: row.jobType, payload: JSON.parse(row.payloadJson) as unknown, priority: row.priority },
    lastRunAt: row.lastTick,
    nextRunAt: row.nextRunAt >= NEVER ? null : row.nextRunAt,
  };
}

/**
 * The scheduler. Most hosts get one through `createScheduler(queue)`.
 *
 * @example
 * ```ts
 * const scheduler = createScheduler(queue);
 * await scheduler.schedule('nightly-cleanup', { cron: '0 3 * * *' }, { type: 'scheduled-cleanup', payload: {} }, { tz: 'Europe/Paris' });
 * await scheduler.start();
 * ```
 */
export class Scheduler extends EventEmitter<SchedulerEvents> {
  readonly store: IScheduleStore;
  readonly #enqueue: SchedulerOptions['enqueue'];
  readonly #validate: SchedulerOptions['validate'];
  readonly #logger: Logger;
  readonly #pollMs: number;
  readonly #missedAfterMs: number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #pass: Promise<void> | null = null;
  /** Soonest `nextRunAt` seen by the last pass: the timer aims at it. */
  #soonest = Number.POSITIVE_INFINITY;

  constructor(options: SchedulerOptions) {
    super();
    if (!options?.store || typeof options.enqueue !== 'function') {
      throw invalid('Scheduler needs a store and an enqueue function', 'store');
    }
    this.store = options.store;
    this.#enqueue = options.enqueue;
    this.#validate = options.validate;
    // A library is silent unless its host hands it a logger.
    this.#logger = options.logger ?? pino({ name: 'phaseq-scheduler', enabled: false });
    this.#pollMs = options.pollMs ?? 1000;
    this.#missedAfterMs = options.missedAfterMs ?? 5000;
    this.#now = options.now ?? Date.now;
    if (!Number.isInteger(this.#pollMs) || this.#pollMs < 10 || this.#pollMs > MAX_TIMER_DELAY_MS) {
      throw invalid(`pollMs must be a whole number from 10 to ${MAX_TIMER_DELAY_MS}`, 'pollMs');
    }
    if (!Number.isInteger(this.#missedAfterMs) || this.#missedAfterMs < 0) {
      throw invalid('missedAfterMs must be a whole number >= 0', 'missedAfterMs');
    }
  }

  /** Whether the timer runs (ticks are fired by this process). */
  get isRunning(): boolean {
    return this.#running;
  }

  /**
   * Creates or replaces a schedule. Declaring the same schedule again (every process
   * does at start-up) changes nothing, so its next run time survives restarts; a changed
   * definition starts over from its next tick.
   *
   * @throws ValidationError naming the bad field; UnknownJobTypeError from `validate`
   */
  async schedule<T extends string>(
    name: string,
    trigger: ScheduleTrigger,
    job: ScheduledJob<T>,
    options: ScheduleOptions = {},
  ): Promise<ScheduleInfo> {
    const issues: ValidationIssue[] = [];
    if (typeof name !== 'string' || !NAME_RE.test(name)) {
      issues.push({ path: 'name', message: 'must be 1-100 letters, digits, ".", "_", ":" or "-", starting with a letter or digit' });
    }
    const cron = trigger?.cron;
    const everyMs = trigger?.everyMs;
    if ((cron === undefined) === (everyMs === undefined)) {
      issues.push({ path: 'trigger', message: 'give exactly one of { cron } or { everyMs }' });
    } else if (everyMs !== undefined && (!Number.isInteger(everyMs) || everyMs < MIN_EVERY_MS)) {
      issues.push({ path: 'trigger.everyMs', message: `must be a whole number of milliseconds >= ${MIN_EVERY_MS}` });
    }
    if (options.tz !== undefined && (typeof options.tz !== 'string' || options.tz === '')) {
      issues.push({ path: 'options.tz', message: 'must be an IANA time zone name' });
    }
    if (options.tz !== undefined && everyMs !== undefined) {
      issues.push({ path: 'options.tz', message: 'applies to cron schedules only' });
    }
    if (options.catchUp !== undefined && typeof options.catchUp !== 'boolean') {
      issues.push({ path: 'options.catchUp', message: 'must be a boolean' });
    }
    const priority = job?.priority ?? JOB_PRIORITY.NORMAL;
    if (!Number.isInteger(priority) || priority < 1 || priority > 10) {
      issues.push({ path: 'job.priority', message: 'must be a whole number from 1 to 10' });
    }
    if (!job || typeof job.type !== 'string' || job.type === '') issues.push({ path: 'job.type', message: 'required' });
    const spec: TickSpec = { cron: cron ?? null, everyMs: everyMs ?? null, tz: options.tz ?? null };
    const now = this.#now();
    let first: number | null = null;
    if (issues.length === 0) {
      try {
        first = nextTickAfter(spec, now);
      } catch (error) {
        const message = toError(error).message;
        // croner reports both a bad pattern and a bad zone when asked for a date: tell them apart.
        const field = options.tz !== undefined && /time ?zone/i.test(message) ? 'options.tz' : 'trigger.cron';
        issues.push({ path: field, message });
      }
    }
    if (issues.length > 0) {
      throw new ValidationError(`Invalid schedule "${String(name)}": ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
    }
    const payload = this.#validate ? this.#validate(job.type, job.payload) : job.payload;
    const payloadJson = JSON.stringify(payload ?? null);
    await this.#init();
    const result = await this.store.upsert(
      { name, ...spec, catchUp: options.catchUp ?? false, jobType: job.type, payloadJson, priority },
      first ?? NEVER,
      now,
    );
    if (result !== 'unchanged') this.#logger.info({ schedule: name, cron: spec.cron, everyMs: spec.everyMs, result }, 'schedule saved');
    this.#soonest = Math.min(this.#soonest, first ?? NEVER);
    this.#arm();
    const row = await this.store.get(name);
    if (!row) throw new NotFoundError(`Schedule "${name}" vanished while it was saved (removed by another process?)`);
    return toInfo(row);
  }

  /** Deletes a schedule; false when there was none. Jobs it already enqueued stay. */
  async unschedule(name: string): Promise<boolean> {
    await this.#init();
    const removed = await this.store.remove(String(name));
    if (removed) this.#logger.info({ schedule: name }, 'schedule removed');
    return removed;
  }

  /** Every schedule with its last and next run times, by name. */
  async listSchedules(): Promise<ScheduleInfo[]> {
    await this.#init();
    return (await this.store.list()).map(toInfo);
  }

  /** One schedule, or null. */
  async getSchedule(name: string): Promise<ScheduleInfo | null> {
    await this.#init();
    const row = await this.store.get(String(name));
    return row ? toInfo(row) : null;
  }

  /**
   * Enqueues a schedule's job now, marked `manual`, leaving its ticks as they are. While
   * an earlier "run now" of it is still pending or running, returns that job's id.
   *
   * @throws NotFoundError when no schedule has this name
   */
  async runScheduleNow(name: string): Promise<string> {
    await this.#init();
    const row = await this.store.get(String(name));
    if (!row) throw new NotFoundError(`No schedule named "${name}"`);
    const jobId = await this.#enqueue({
      type: row.jobType,
      payload: JSON.parse(row.payloadJson) as unknown,
      priority: row.priority,
      dedupeKey: `schedule:${row.name}:manual`,
      manual: true,
    });
    this.#logger.info({ schedule: row.name, jobId }, 'schedule run now');
    this.emit('schedule:enqueued', { name: row.name, tick: null, jobId });
    return jobId;
  }

  /** Starts firing ticks from this process: checks at once, then every `pollMs`. */
  async start(): Promise<void> {
    if (this.#running) return;
    await this.#init();
    this.#running = true;
    await this.runDue();
  }

  /** Stops the timer and waits for a check in progress. Schedules stay stored. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#pass;
  }

  /**
   * Fires every schedule that is due now (the timer calls this; hosts without a timer and
   * tests may call it). Concurrent calls share one pass.
   */
  runDue(): Promise<void> {
    this.#pass ??= this.#runDue().finally(() => {
      this.#pass = null;
      this.#arm();
    });
    return this.#pass;
  }

  /**
   * Opens the store before each operation. Not cached: a queue's storage is closed by
   * `stop()` and reopened by the next call, and the store must follow it. Every store's
   * `init` is idempotent and cheap once open.
   */
  #init(): Promise<void> {
    return this.store.init();
  }

  async #runDue(): Promise<void> {
    let rows: StoredSchedule[];
    try {
      await this.#init();
      rows = await this.store.list();
    } catch (error) {
      this.#report(null, error);
      return;
    }
    let soonest = Number.POSITIVE_INFINITY;
    for (const row of rows) {
      try {
        const next = await this.#fire(row);
        soonest = Math.min(soonest, next);
      } catch (error) {
        this.#report(row.name, error);
      }
    }
    this.#soonest = soonest;
  }

  /** Fires one schedule if it is due; returns the next instant it must be looked at. */
  async #fire(row: StoredSchedule): Promise<number> {
    const now = this.#now();
    if (row.nextRunAt > now) return row.nextRunAt;
    const latest = Math.max(row.nextRunAt, latestTickAtOrBefore(row, now) ?? row.nextRunAt);
    const next = nextTickAfter(row, now) ?? NEVER;
    const missed = now - latest > this.#missedAfterMs;
    const tick = missed && !row.catchUp ? null : latest;
    const won = await this.store.advance(row.name, row.nextRunAt, tick, next, now);
    if (!won) return Math.min(next, now + this.#pollMs);
    if (tick === null) {
      this.#logger.info({ schedule: row.name, missedTick: latest, nextRunAt: next }, 'schedule: missed ticks skipped');
      this.emit('schedule:skipped', { name: row.name, missedTick: latest, nextRunAt: next >= NEVER ? null : next });
      return next;
    }
    const jobId = await this.#enqueue({
      type: row.jobType,
      payload: JSON.parse(row.payloadJson) as unknown,
      priority: row.priority,
      dedupeKey: `schedule:${row.name}:${tick}`,
    });
    this.#logger.info({ schedule: row.name, tick, jobId, caughtUp: missed }, 'schedule: tick enqueued');
    this.emit('schedule:enqueued', { name: row.name, tick, jobId });
    return next;
  }

  /** Sets the one timer: at the soonest known tick, and at least every `pollMs`. */
  #arm(): void {
    if (!this.#running || this.#pass) return;
    if (this.#timer) clearTimeout(this.#timer);
    const delay = Math.max(0, Math.min(this.#soonest - this.#now(), this.#pollMs));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.runDue();
    }, delay);
    // The queue's workers keep the process alive; a schedule alone must not.
    this.#timer.unref();
  }

  #report(name: string | null, error: unknown): void {
    const err = toError(error);
    this.#logger.error({ err, schedule: name }, 'schedule error');
    this.emit('schedule:error', { name, error: err });
  }
}
