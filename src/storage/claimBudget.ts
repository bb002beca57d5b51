/**
 * ClaimBudget: what one claim may still take, per job type and per group key, given the
 * limits of its {@link ClaimFilter}, the jobs processing now in every process and the
 * starts recorded in the rate windows. The
 * backends that choose jobs in JavaScript (memory; SQLite when a type is limited or
 * grouped) offer their candidates to it in claim order; the Redis scripts keep the same
 * rules in Lua.
 */
import type { ClaimableType, ClaimFilter, RateLimit } from './claims.js';

/** Jobs processing now, counted per type and group key (null: no key). */
export interface RunningCount {
  type: string;
  groupKey: string | null;
  n: number;
}

/** The starts recorded in a rate window: how many, and the oldest (null when none). */
export interface WindowCount {
  n: number;
  oldest: number | null;
}

/**
 * Reads a rate window from the storage: the starts of `type` (`groupKey` null: the type's
 * own window; else that key's) after `since`, pruning older ones where the backend does.
 */
export type WindowReader = (type: string, groupKey: string | null, since: number) => WindowCount;

/**
 * Starts are kept this long past their window before they are pruned. A claim computes
 * its time before it runs (it may wait for the store's lock, or for its turn on a loaded
 * machine): a claim dated a little earlier than one that already pruned must still find
 * every start of its own window.
 */
export const PRUNE_SLACK_MS = 5_000;

/** Whether a filter sets any limit (else every claimable job fits, and backends take their fast path). */
export function hasLimits(filter: ClaimFilter): boolean {
  return filter.types.some((t) => t.concurrency !== null || t.groupConcurrency !== null || hasRate(t));
}

/** Whether a claimable type has a rate limit of its own or per key. */
export function hasRate(t: ClaimableType): boolean {
  return (t.rateLimit ?? null) !== null || (t.groupRateLimit ?? null) !== null;
}

/** A rate window as this claim sees it: starts counted so far (its own takes included). */
interface Window {
  n: number;
  oldest: number | null;
  rule: RateLimit;
}

/** The capacity left to one claim. */
export class ClaimBudget {
  readonly #rules = new Map<string, ClaimableType>();
  /** Jobs of a limited type still allowed. */
  readonly #typeLeft = new Map<string, number>();
  /** Per grouped type: jobs processing (or taken by this claim) per key. */
  readonly #keys = new Map<string, Map<string, number>>();
  /** Per rate-limited type: its own window. */
  readonly #typeRate = new Map<string, Window>();
  /** Per type with a per-key rate limit: the windows of the keys met so far (read lazily). */
  readonly #keyRates = new Map<string, Map<string, Window>>();
  readonly #read: WindowReader | null;
  readonly #now: number;

  /**
   * @param read reads the rate windows; needed when a type has a rate limit (without it
   *   the rate limits of `types` are ignored).
   * @param now the claim's time: the windows end at it.
   */
  constructor(types: readonly ClaimableType[], running: readonly RunningCount[], read: WindowReader | null = null, now = 0) {
    this.#read = read;
    this.#now = now;
    for (const t of types) {
      this.#rules.set(t.type, t);
      if (t.concurrency !== null) this.#typeLeft.set(t.type, t.concurrency);
      if (t.groupConcurrency !== null) this.#keys.set(t.type, new Map());
      if (read && t.rateLimit) {
        const w = read(t.type, null, now - t.rateLimit.durationMs);
        this.#typeRate.set(t.type, { ...w, rule: t.rateLimit });
      }
      if (read && t.groupRateLimit && t.groupConcurrency !== null) this.#keyRates.set(t.type, new Map());
    }
    for (const r of running) {
      const left = this.#typeLeft.get(r.type);
      if (left !== undefined) this.#typeLeft.set(r.type, left - r.n);
      const keys = this.#keys.get(r.type);
      if (keys && r.groupKey !== null) keys.set(r.groupKey, (keys.get(r.groupKey) ?? 0) + r.n);
    }
  }

  /** How many more jobs of `type` this claim may take, leaving group keys aside (at most `cap`). */
  typeLeft(type: string, cap: number): number {
    const rate = this.#typeRate.get(type);
    const rateLeft = rate ? rate.rule.max - rate.n : cap;
    return Math.max(0, Math.min(cap, rateLeft, this.#typeLeft.get(type) ?? cap));
  }

  /** Keys of a grouped `type` that are at their concurrency limit or over their rate limit. */
  fullKeys(type: string): string[] {
    const keys = this.#keys.get(type);
    const limit = this.#rules.get(type)?.groupConcurrency;
    if (!keys || limit === null || limit === undefined) return [];
    const full = [...keys].filter(([, n]) => n >= limit).map(([k]) => k);
    for (const [k, w] of this.#keyRates.get(type) ?? []) if (w.n >= w.rule.max && !full.includes(k)) full.push(k);
    return full;
  }

  /**
   * The earliest moment a rate window that is full now (before or through this claim's
   * takes) opens a slot, or null when none is full. A window that holds more starts than
   * its `max` (the limit was lowered) may still be full then; the claim at that moment
   * says so again, with a later moment.
   */
  nextSlotAt(): number | null {
    let next: number | null = null;
    const consider = (w: Window): void => {
      if (w.n < w.rule.max) return;
      const at = (w.oldest ?? this.#now) + w.rule.durationMs;
      if (next === null || at < next) next = at;
    };
    for (const w of this.#typeRate.values()) consider(w);
    for (const keys of this.#keyRates.values()) for (const w of keys.values()) consider(w);
    return next;
  }

  /** The window of a key of a type with a per-key rate limit, read on first use. */
  #keyRate(type: string, groupKey: string): Window | undefined {
    const keys = this.#keyRates.get(type);
    if (!keys) return undefined;
    let w = keys.get(groupKey);
    if (!w) {
      const rule = this.#rules.get(type)!.groupRateLimit!;
      w = { ...this.#read!(type, groupKey, this.#now - rule.durationMs), rule };
      keys.set(groupKey, w);
    }
    return w;
  }

  /**
   * Whether a job of `type` with `groupKey` fits what is left; if it does, counts it as
   * taken. A type the filter does not name never fits.
   */
  take(type: string, groupKey: string | null): boolean {
    const rule = this.#rules.get(type);
    if (!rule) return false;
    const left = this.#typeLeft.get(type);
    if (left !== undefined && left <= 0) return false;
    const rate = this.#typeRate.get(type);
    if (rate && rate.n >= rate.rule.max) return false;
    const keys = this.#keys.get(type);
    const keyRate = groupKey === null ? undefined : this.#keyRate(type, groupKey);
    if (keyRate && keyRate.n >= keyRate.rule.max) return false;
    if (keys && groupKey !== null) {
      const n = keys.get(groupKey) ?? 0;
      if (n >= (rule.groupConcurrency ?? Number.POSITIVE_INFINITY)) return false;
      keys.set(groupKey, n + 1);
    }
    if (left !== undefined) this.#typeLeft.set(type, left - 1);
    if (rate) startIn(rate, this.#now);
    if (keyRate) startIn(keyRate, this.#now);
    return true;
  }
}

/** Counts a start at `now` in a window. */
function startIn(w: Window, now: number): void {
  w.n++;
  w.oldest ??= now;
}
