/**
 * Retry delays as small pure functions. A strategy maps the number of the attempt that
 * just failed (1 for the first) to the milliseconds to wait before the next one.
 */

/** How long to wait before retrying, given the attempt that just failed (1-based). */
export type BackoffFunction = (attempt: number, error: Error) => number;

/** Selects a retry delay strategy. */
export type BackoffOptions =
  | {
      type: 'fixed';
      /** Milliseconds between attempts. */
      delayMs: number;
      /** Random spread, 0..1, as a fraction of the delay. @default 0 */
      jitter?: number;
    }
  | {
      type: 'exponential';
      /** Delay after the first failure; doubles on each further one. @default 1000 */
      delayMs?: number;
      /** Upper bound of the delay. @default 3_600_000 (1 hour) */
      maxDelayMs?: number;
      /** Random spread, 0..1, as a fraction of the delay ("equal jitter"). @default 0.5 */
      jitter?: number;
    }
  | { type: 'custom'; fn: BackoffFunction };

/** The default: exponential from 1 s, doubling, capped at 1 h, with 50% jitter. */
export const DEFAULT_BACKOFF: BackoffOptions = { type: 'exponential', delayMs: 1000, maxDelayMs: 3_600_000, jitter: 0.5 };

/** Applies jitter: keeps `(1 - jitter)` of the delay and randomises the rest. */
export function withJitter(delayMs: number, jitter: number, random: () => number = Math.random): number {
  const j = Math.min(1, Math.max(0, jitter));
  return Math.round(delayMs * (1 - j) + delayMs * j * random());
}

/** Fixed delay between attempts. */
export function fixedBackoff(delayMs: number, jitter = 0, random: () => number = Math.random): number {
  return withJitter(delayMs, jitter, random);
}

/** `delayMs * 2^(attempt-1)`, capped at `maxDelayMs`, then jittered. */
export function exponentialBackoff(
  attempt: number,
  delayMs = 1000,
  maxDelayMs = 3_600_000,
  jitter = 0.5,
  random: () => number = Math.random,
): number {
  const exp = Math.min(maxDelayMs, delayMs * 2 ** Math.max(0, attempt - 1));
  return withJitter(exp, jitter, random);
}

/** Resolves options into the delay before the next attempt. Never negative. */
export function computeBackoff(options: BackoffOptions, attempt: number, error: Error): number {
  let ms: number;
  switch (options.type) {
    case 'fixed':
      ms = fixedBackoff(options.delayMs, options.jitter ?? 0);
      break;
    case 'exponential':
      ms = exponentialBackoff(attempt, options.delayMs, options.maxDelayMs, options.jitter);
      break;
    case 'custom':
      ms = options.fn(attempt, error);
      break;
  }
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : 0;
}
