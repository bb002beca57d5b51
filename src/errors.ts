/**
 * Typed errors. Every error phaseq throws for bad input is one of these, names what was
 * wrong, and is thrown before anything is stored.
 */

/** Base class of every phaseq error; `code` is stable and machine-readable. */
export class PhaseqError extends Error {
  /** Stable, machine-readable code, e.g. `VALIDATION_ERROR`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One problem found while validating input. */
export interface ValidationIssue {
  /** Dotted path of the offending field (`payload.to`, `enrichment.maxPoster`), or '' for the whole value. */
  path: string;
  /** What rule it broke. */
  message: string;
}

/** Input was rejected; `issues` lists every offending field. Nothing was stored. */
export class ValidationError extends PhaseqError {
  readonly issues: readonly ValidationIssue[];
  constructor(message: string, issues: readonly ValidationIssue[] = []) {
    super('VALIDATION_ERROR', message);
    this.issues = issues;
  }
}

/** `addJob` (or a worker) met a job type that no handler is registered for. */
export class UnknownJobTypeError extends PhaseqError {
  readonly type: string;
  constructor(type: string) {
    super('UNKNOWN_JOB_TYPE', `Unknown job type "${type}": no handler is registered for it`);
    this.type = type;
  }
}

/**
 * A job type was registered twice, or a registration is incomplete or invalid. Nothing was
 * registered. `issues` names the offending options (e.g. `concurrency`, `group.by`), when
 * the problem is one of them.
 */
export class RegistrationError extends PhaseqError {
  readonly issues: readonly ValidationIssue[];
  constructor(message: string, issues: readonly ValidationIssue[] = []) {
    super('REGISTRATION_ERROR', message);
    this.issues = issues;
  }
}

/**
 * Thrown by a handler to fail its job at once, skipping the retries left. (An error with
 * `transient: false` does the same; see {@link isUnrecoverable}.)
 *
 * @example
 * ```ts
 * if (!user) throw new UnrecoverableError(`user ${id} was deleted`);
 * ```
 */
export class UnrecoverableError extends PhaseqError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNRECOVERABLE', message, options);
  }
}

/**
 * Whether `error` asks to skip retries: an {@link UnrecoverableError} (recognised by its
 * stable code as well as its class, so that one thrown by a plugin bundled with another
 * copy of phaseq still counts), or any error that says of itself `transient: false`.
 *
 * The second form lets errors that already know whether a retry can help (an HTTP 401 or
 * 404, a file over a size limit: the media plugin's `ProviderError`, `PlayerError` and
 * `DownloadError`) say so without being wrapped. `transient: true` or no such property
 * leaves the job to its retries.
 *
 * @example
 * ```ts
 * isUnrecoverable(new UnrecoverableError('gone'));                      // true
 * isUnrecoverable(Object.assign(new Error('401'), { transient: false })); // true
 * isUnrecoverable(new Error('timeout'));                                  // false
 * ```
 */
export function isUnrecoverable(error: unknown): boolean {
  if (error instanceof UnrecoverableError) return true;
  if (typeof error !== 'object' || error === null) return false;
  return ('code' in error && error.code === 'UNRECOVERABLE') || ('transient' in error && error.transient === false);
}

/**
 * Thrown by a handler that a remote service rate limited (an HTTP 429 or 503 with
 * `Retry-After`): the job goes back to pending, to run again after `retryAfterMs`, and
 * the attempt is not counted — it did not fail. The queue emits `job:rate-limited` and
 * logs it. A job rate limited again and again waits again and again: it never fails for
 * it (stop it with `cancelJob`).
 *
 * @example
 * ```ts
 * const res = await fetch(url, { signal: ctx.signal });
 * if (res.status === 429) {
 *   throw new RateLimitedError(parseRetryAfter(res.headers.get('retry-after')) ?? 30_000, 'TMDB said 429');
 * }
 * ```
 */
export class RateLimitedError extends PhaseqError {
  /** How long to wait before the next attempt, in whole milliseconds. */
  readonly retryAfterMs: number;

  /**
   * @param retryAfterMs the wait, in milliseconds: a finite number of at least 0 (rounded
   *   up to a whole millisecond).
   * @throws ValidationError naming `retryAfterMs` when it is anything else
   */
  constructor(retryAfterMs: number, message?: string, options?: { cause?: unknown }) {
    if (typeof retryAfterMs !== 'number' || !Number.isFinite(retryAfterMs) || retryAfterMs < 0) {
      const issue = { path: 'retryAfterMs', message: `must be a finite number of milliseconds of at least 0, not ${String(retryAfterMs)}` };
      throw new ValidationError(`Invalid RateLimitedError: retryAfterMs ${issue.message}`, [issue]);
    }
    const ms = Math.ceil(retryAfterMs);
    super('RATE_LIMITED', message ?? `Rate limited: retry after ${ms} ms`, options);
    this.retryAfterMs = ms;
  }
}

/**
 * The wait a {@link RateLimitedError} asks for (recognised by its stable code and a
 * `retryAfterMs` of at least 0 as well as its class, so that one thrown by a plugin
 * bundled with another copy of phaseq still counts), or null for any other error.
 */
export function rateLimitedFor(error: unknown): number | null {
  if (error instanceof RateLimitedError) return error.retryAfterMs;
  if (typeof error !== 'object' || error === null || !('code' in error) || error.code !== 'RATE_LIMITED') return null;
  const ms = 'retryAfterMs' in error ? error.retryAfterMs : undefined;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? Math.ceil(ms) : null;
}

/** An attempt ran past its `timeoutMs`; its signal was aborted. */
export class JobTimeoutError extends PhaseqError {
  constructor(timeoutMs: number) {
    super('JOB_TIMEOUT', `Job timed out after ${timeoutMs} ms`);
  }
}

/** A job was cancelled while it ran. */
export class JobCancelledError extends PhaseqError {
  constructor() {
    super('JOB_CANCELLED', 'Job was cancelled');
  }
}

/** The storage backend failed or is not usable (unreadable file, full disk, lost connection). */
export class StorageError extends PhaseqError {
  /**
   * Stable detail of the faults a caller may want to tell apart; `code` stays
   * `STORAGE_ERROR` for every storage fault, so existing handling is unchanged.
   * `DATABASE_FILE_DELETED`: the open SQLite file is no longer at its path.
   * `DATABASE_FILE_REPLACED`: another file took its place. Undefined for other faults.
   */
  readonly reason: 'DATABASE_FILE_DELETED' | 'DATABASE_FILE_REPLACED' | undefined;
  constructor(message: string, options?: { cause?: unknown; reason?: 'DATABASE_FILE_DELETED' | 'DATABASE_FILE_REPLACED' }) {
    super('STORAGE_ERROR', message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.reason = options?.reason;
  }
}

/** The queue is in the wrong state for the call (e.g. `start()` while stopping). */
export class QueueStateError extends PhaseqError {
  constructor(message: string) {
    super('QUEUE_STATE', message);
  }
}

/** A migration failed, or the database is newer than this code. */
export class MigrationError extends PhaseqError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MIGRATION_ERROR', message, options);
  }
}

/** A job (or other record) the caller named does not exist. */
export class NotFoundError extends PhaseqError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/**
 * An optional peer dependency a subpath needs is not installed (`phaseq/express` without
 * express, `phaseq/bullmq` without ioredis); the message says what to install.
 */
export class MissingDependencyError extends PhaseqError {
  /** The package to install, e.g. `express`. */
  readonly dependency: string;
  constructor(dependency: string, message: string, options?: { cause?: unknown }) {
    super('MISSING_DEPENDENCY', message, options);
    this.dependency = dependency;
  }
}

/** Turns any thrown value into an Error, keeping Errors as they are. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'string') return new Error(value);
  try {
    return new Error(`Non-error thrown: ${JSON.stringify(value)}`);
  } catch {
    return new Error(`Non-error thrown: ${String(value)}`);
  }
}
