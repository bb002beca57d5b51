/**
 * Timers that stay timers however far away their moment is. Node's `setTimeout` and
 * `setInterval` take at most 2^31−1 ms (about 24.8 days): a longer delay prints a
 * TimeoutOverflowWarning and fires after 1 ms, so a wake-up armed for a job delayed by
 * 30 days would fire, find nothing, re-arm, and spin. Everything fed by a job's run time
 * or a caller's duration goes through here.
 */

/** The longest delay Node's timers honour: 2^31−1 ms (about 24.8 days). */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** `ms` as a delay Node honours: negative and NaN become 0, longer ones the maximum. */
export function timerDelay(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(ms, MAX_TIMER_DELAY_MS);
}

/** Options of {@link setTimeoutAt}. */
export interface TimeoutAtOptions {
  /** Let the process exit while only this timer is armed. @default false */
  unref?: boolean;
  /** The clock. @default Date.now */
  now?: () => number;
}

/**
 * Calls `fn` once, at `time` (epoch ms) or just after; any distance, `Infinity` included
 * (never). A far moment is waited for in chunks of at most {@link MAX_TIMER_DELAY_MS}, so
 * the wait costs one timer firing per 24.8 days. Returns the function that cancels it.
 *
 * @example
 * ```ts
 * const cancel = setTimeoutAt(Date.now() + 30 * 86_400_000, wake, { unref: true });
 * ```
 */
export function setTimeoutAt(time: number, fn: () => void, options: TimeoutAtOptions = {}): () => void {
  const now = options.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const left = time - now();
    // +1: a timer may fire a little before its delay on the clock; the moment must have come.
    timer = left > MAX_TIMER_DELAY_MS ? setTimeout(arm, MAX_TIMER_DELAY_MS) : setTimeout(fn, timerDelay(left) + 1);
    if (options.unref) timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
