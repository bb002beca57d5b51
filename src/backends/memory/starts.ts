/**
 * MemoryStarts: the rate windows of the memory backend — the start times of each
 * rate-limited job type and group key, oldest first, pruned as they leave their window.
 */
import { PRUNE_SLACK_MS, type WindowCount } from '../../storage/claimBudget.js';
import type { ClaimableType } from '../../storage/claims.js';

/** Start times per type and group key. */
export class MemoryStarts {
  /** Key: type, NUL, group key ('' for the type's own window: a group key is never empty). */
  readonly #starts = new Map<string, number[]>();

  /** The starts after `since`; those older than {@link PRUNE_SLACK_MS} before it are forgotten. */
  read(type: string, groupKey: string | null, since: number): WindowCount {
    const key = `${type}\0${groupKey ?? ''}`;
    const starts = this.#starts.get(key);
    if (!starts) return { n: 0, oldest: null };
    let old = 0;
    while (old < starts.length && starts[old]! <= since - PRUNE_SLACK_MS) old++;
    if (old > 0) starts.splice(0, old);
    if (starts.length === 0) {
      this.#starts.delete(key);
      return { n: 0, oldest: null };
    }
    let first = 0;
    while (first < starts.length && starts[first]! <= since) first++;
    return { n: starts.length - first, oldest: first < starts.length ? starts[first]! : null };
  }

  /** Records the start of a job claimed at `now` under the rate limits of its type. */
  record(rule: ClaimableType, groupKey: string | null, now: number): void {
    if (rule.rateLimit) this.#push(`${rule.type}\0`, now);
    if (rule.groupRateLimit && rule.groupConcurrency !== null && groupKey !== null) this.#push(`${rule.type}\0${groupKey}`, now);
  }

  #push(key: string, now: number): void {
    const starts = this.#starts.get(key);
    if (!starts) this.#starts.set(key, [now]);
    // Claims come with the caller's clock, which may step back: keep the list sorted.
    else if (now >= starts[starts.length - 1]!) starts.push(now);
    else
      starts.splice(
        starts.findIndex((t) => t > now),
        0,
        now,
      );
  }
}
