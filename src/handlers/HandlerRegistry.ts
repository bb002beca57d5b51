/**
 * HandlerRegistry: which function runs each job type, and the zod schema its payload
 * must satisfy. The queue validates every payload against it before storing anything.
 */
import type { Logger } from 'pino';
import type { z, ZodType } from 'zod';
import { RegistrationError, UnknownJobTypeError, ValidationError, type ValidationIssue } from '../errors.js';
import { describeIssues, describeValue, parseWithIssues } from '../validation.js';
import type { BackoffOptions } from './backoff.js';
import type { PhaseConfigService } from '../phases/PhaseConfigService.js';
import type { RateLimit } from '../storage/claims.js';
import type { Job, JobInput, PayloadOf } from '../types.js';

/** The part of the queue a handler may use: enqueueing further jobs (the next phase). */
export interface JobEnqueuer {
  addJob<T extends string>(input: JobInput<T>): Promise<string>;
  addJobs(inputs: readonly JobInput[]): Promise<string[]>;
}

/** What a handler receives besides its job. */
export interface JobContext {
  /** Aborted on timeout, cancellation, lease loss or shutdown; pass it to I/O calls. */
  readonly signal: AbortSignal;
  /** pino child logger bound to the job's id and type. */
  readonly logger: Logger;
  /** The queue, to enqueue the next phase. */
  readonly queue: JobEnqueuer;
  /** Id of the worker running this attempt. */
  readonly workerId: string;
  /**
   * The phase configuration: read it when the job runs, so every phase does what the
   * current settings say. Throws when the queue was built without `phases`.
   */
  readonly phases: PhaseConfigService;
  /** Reports progress: stored on the job and emitted as `job:progress`. */
  progress(value: unknown): Promise<void>;
}

/** A job handler. What it resolves with is reported as the `result` of `job:completed`. */
export type JobHandler<T extends string = string, P = PayloadOf<T>> = (job: Job<T, P>, ctx: JobContext) => Promise<unknown> | unknown;

/**
 * Per-key concurrency of a job type: jobs are grouped by a key computed from their payload
 * (a player, a show, a customer), and at most `concurrency` jobs of one key run at once,
 * across every process sharing the storage. Jobs of a key at its limit wait without
 * holding back other keys; jobs of one key start in claim order (priority, run time,
 * insertion). Keys belong to their job type: two types that group by the same key do not
 * limit each other.
 *
 * @example
 * ```ts
 * registry.register('notify-player', notify, {
 *   schema: z.object({ player: z.string(), path: z.string() }),
 *   group: { by: (payload) => payload.player, concurrency: 1 },
 * });
 * ```
 */
export interface GroupOptions<P = unknown> {
  /**
   * The key of a job, from its validated payload. Called once, when the job is added; the
   * key is stored with the job (`job.groupKey`), so every process agrees on it. It must
   * return a string of 1 to 512 characters: a throw or anything else fails the `addJob`
   * with a ValidationError naming `groupKey`, and nothing is stored.
   */
  by: (payload: P) => string;
  /**
   * Jobs of one key running at once.
   * @default 1
   */
  concurrency?: number;
  /**
   * No more than `max` jobs of one key start in any window of `durationMs`, across every
   * process sharing the storage (see {@link RegisterOptions.rateLimit}). Jobs of a key over
   * its rate wait without holding back other keys.
   * @default none
   */
  rateLimit?: RateLimit;
}

/** Options of one registration. */
export interface RegisterOptions<S extends ZodType = ZodType> {
  /** zod schema of the payload; required, so that no payload is stored unchecked. */
  schema: S;
  /** Retry delays for this type. @default the queue's `backoff` */
  backoff?: BackoffOptions;
  /** Retries for jobs of this type that do not set `maxRetries`. @default the queue's `maxRetries` */
  maxRetries?: number;
  /** Attempt time limit for jobs of this type that do not set `timeoutMs`. @default none */
  timeoutMs?: number;
  /**
   * At most this many jobs of this type run at once, across every process sharing the
   * storage (whoever claimed them); jobs of other types keep running meanwhile. A whole
   * number of at least 1. Processes sharing a storage should register the same limits.
   * @default no limit
   */
  concurrency?: number;
  /** Per-key concurrency (see {@link GroupOptions}). @default none */
  group?: GroupOptions<z.output<S>>;
  /**
   * No more than `max` jobs of this type start in any window of `durationMs` (a sliding
   * window over the recorded starts), across every process sharing the storage. Jobs over
   * the limit stay pending — not failed, no attempt counted — and idle workers sleep
   * until the next slot opens. Both whole numbers of at least 1. A start is a claim: a
   * retry or a job recovered from a stall starts again and counts again.
   *
   * @example
   * ```ts
   * // At most 40 calls a second to the provider, from every process together.
   * registry.register('fetch-metadata', fetchMetadata, { schema, rateLimit: { max: 40, durationMs: 1000 } });
   * ```
   * @default no limit
   */
  rateLimit?: RateLimit;
}

/** One registered job type. */
export interface Registration {
  readonly type: string;
  readonly handler: JobHandler<string, unknown>;
  readonly schema: ZodType;
  readonly backoff: BackoffOptions | undefined;
  readonly maxRetries: number | undefined;
  readonly timeoutMs: number | undefined;
  /** At most this many running at once, everywhere; null for no limit. */
  readonly concurrency: number | null;
  /** The grouping, with its concurrency resolved (and its per-key rate limit, or null); null when the type has none. */
  readonly group: {
    readonly by: (payload: unknown) => string;
    readonly concurrency: number;
    readonly rateLimit: Readonly<RateLimit> | null;
  } | null;
  /** At most `max` starts in any `durationMs`, everywhere; null for no rate limit. */
  readonly rateLimit: Readonly<RateLimit> | null;
}

/** The fields of a rate limit, to name any other as unknown (a typo must not pass as no limit). */
const RATE_FIELDS = ['max', 'durationMs'];

/** Checks a rate limit option at `path`, appending its problems to `issues`. */
function checkRate(path: string, value: unknown, issues: ValidationIssue[], positive: (path: string, value: unknown) => void): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({ path, message: `must be an object { max, durationMs }, not ${describeValue(value)}` });
    return;
  }
  const rate = value as Record<string, unknown>;
  for (const field of RATE_FIELDS) {
    if (rate[field] === undefined) issues.push({ path: `${path}.${field}`, message: 'is required' });
    else positive(`${path}.${field}`, rate[field]);
  }
  for (const field of Object.keys(rate)) {
    if (!RATE_FIELDS.includes(field))
      issues.push({ path: `${path}.${field}`, message: 'is not an option of a rate limit (max, durationMs)' });
  }
}

/** A copy of a checked rate limit, so that a later change to the caller's object changes nothing. */
function rateOf(value: RateLimit | undefined): Readonly<RateLimit> | null {
  return value ? Object.freeze({ max: value.max, durationMs: value.durationMs }) : null;
}

/**
 * Checks the limits of a registration (`concurrency`, `group`, `rateLimit`); returns every problem,
 * each naming its option. Shared by `register` and `definePlugin`, which checks every job
 * of a plugin before registering any.
 */
export function checkLimits(options: { concurrency?: unknown; group?: unknown; rateLimit?: unknown }): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const positive = (path: string, value: unknown): void => {
    if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= 1)) {
      issues.push({ path, message: `must be a whole number of at least 1, not ${describeValue(value)}` });
    }
  };
  positive('concurrency', options.concurrency);
  checkRate('rateLimit', options.rateLimit, issues, positive);
  const group = options.group;
  if (group !== undefined) {
    if (typeof group !== 'object' || group === null) {
      issues.push({ path: 'group', message: `must be an object { by, concurrency?, rateLimit? }, not ${describeValue(group)}` });
    } else {
      const g = group as { by?: unknown; concurrency?: unknown; rateLimit?: unknown };
      if (typeof g.by !== 'function') {
        issues.push({ path: 'group.by', message: `must be a function (payload) => string, not ${describeValue(g.by)}` });
      }
      positive('group.concurrency', g.concurrency);
      checkRate('group.rateLimit', g.rateLimit, issues, positive);
    }
  }
  return issues;
}

/**
 * The registry of job types.
 *
 * @example
 * ```ts
 * const registry = new HandlerRegistry();
 * registry.register('send-email', async (job, ctx) => {
 *   await mailer.send(job.payload.to, { signal: ctx.signal });
 * }, { schema: z.object({ to: z.string().email() }) });
 * ```
 */
export class HandlerRegistry {
  readonly #entries = new Map<string, Registration>();
  #version = 0;

  /** Bumped by every registration: a started queue rebuilds its claim filter when it moves. */
  get version(): number {
    return this.#version;
  }

  /**
   * Registers the handler of a job type. The handler (and `group.by`) see the schema's
   * output type; for a type declared in `JobPayloadMap` the schema must produce that
   * payload type. Registering a type twice, without a schema, or with invalid limits
   * throws {@link RegistrationError} (its `issues` name the options), and registers
   * nothing. Types registered after the queue started are claimed from its next claim on.
   */
  register<T extends string, S extends ZodType<PayloadOf<T>>>(
    type: T,
    handler: JobHandler<T, z.output<S>>,
    options: RegisterOptions<S>,
  ): this {
    if (typeof type !== 'string' || type.trim() === '') {
      throw new RegistrationError('A job type must be a non-empty string');
    }
    if (this.#entries.has(type)) {
      throw new RegistrationError(`Job type "${type}" is already registered`);
    }
    if (typeof handler !== 'function') {
      throw new RegistrationError(`Job type "${type}" needs a handler function`);
    }
    if (!options || typeof options.schema?.safeParse !== 'function') {
      throw new RegistrationError(`Job type "${type}" needs a zod schema (options.schema)`);
    }
    const issues = checkLimits(options);
    if (issues.length > 0) {
      throw new RegistrationError(`Job type "${type}": ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
    }
    const group = options.group;
    this.#entries.set(type, {
      type,
      // A handler typed for Job<T, z.output<S>> is stored as a handler of any job: the
      // queue only calls it with jobs of type T whose payload passed this schema.
      handler: handler as JobHandler<string, unknown>,
      schema: options.schema,
      backoff: options.backoff,
      maxRetries: options.maxRetries,
      timeoutMs: options.timeoutMs,
      concurrency: options.concurrency ?? null,
      // `by` is typed for this schema's output; the queue calls it only with payloads
      // this schema produced.
      group: group
        ? { by: group.by as (payload: unknown) => string, concurrency: group.concurrency ?? 1, rateLimit: rateOf(group.rateLimit) }
        : null,
      rateLimit: rateOf(options.rateLimit),
    });
    this.#version++;
    return this;
  }

  /** The registration of `type`, or undefined. */
  get(type: string): Registration | undefined {
    return this.#entries.get(type);
  }

  /** Whether `type` is registered. */
  has(type: string): boolean {
    return this.#entries.has(type);
  }

  /** Registered types, in registration order. */
  types(): string[] {
    return [...this.#entries.keys()];
  }

  /**
   * Validates a payload against its type's schema and returns the parsed value (zod
   * defaults applied, unknown keys stripped as the schema says).
   *
   * @throws UnknownJobTypeError when no handler is registered for `type`
   * @throws ValidationError naming each offending field as `payload.<path>`
   */
  parsePayload(type: string, payload: unknown): unknown {
    const entry = this.#entries.get(type);
    if (!entry) throw new UnknownJobTypeError(type);
    const result = parseWithIssues(entry.schema, payload, 'payload');
    if (!result.success) {
      throw new ValidationError(`Invalid payload for job type "${type}": ${describeIssues(result.issues, 'payload')}`, result.issues);
    }
    return result.data;
  }
}
