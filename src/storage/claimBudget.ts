/**
 * ClaimBudget: what one claim may still take, per job type and per group key, given the
 * limits of its {@link ClaimFilter} and the jobs processing now in every process. The
 * backends that choose jobs in JavaScript (memory; SQLite when a type is limited or
 * grouped) offer their candidates to it in claim order; the Redis scripts keep the same
 * rules in Lua.
 */
import type { ClaimableType, ClaimFilter } from './types.js';

/** Jobs processing now, counted per type and group key (null: no key). */
export interface RunningCount {
  type: string;
  groupKey: string | null;
  n: number;
}

/** Whether a filter sets any limit (else every claimable job fits, and backends take their fast path). */
export function hasLimits(filter: ClaimFilter): boolean {
  return filter.types.some((t) => t.concurrency !== null || t.groupConcurrency !== null);
}

/** The capacity left to one claim. */
export class ClaimBudget {
  readonly #rules = new Map<string, ClaimableType>();
  /** Jobs of a limited type still allowed. */
  readonly #typeLeft = new Map<string, number>();
  /** Per grouped type: jobs processing (or taken by this claim) per key. */
  readonly #keys = new Map<string, Map<string, number>>();

  constructor(types: readonly ClaimableType[], running: readonly RunningCount[]) {
    for (const t of types) {
      this.#rules.set(t.type, t);
      if (t.concurrency !== null) this.#typeLeft.set(t.type, t.concurrency);
      if (t.groupConcurrency !== null) this.#keys.set(t.type, new Map());
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
    return Math.max(0, Math.min(cap, this.#typeLeft.get(type) ?? cap));
  }

  /** Keys of a grouped `type` that are at their limit. */
  fullKeys(type: string): string[] {
    const keys = this.#keys.get(type);
    const limit = this.#rules.get(type)?.groupConcurrency;
    if (!keys || limit === null || limit === undefined) return [];
    return [...keys].filter(([, n]) => n >= limit).map(([k]) => k);
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
    const keys = this.#keys.get(type);
    if (keys && groupKey !== null) {
      const n = keys.get(groupKey) ?? 0;
      if (n >= (rule.groupConcurrency ?? Number.POSITIVE_INFINITY)) return false;
      keys.set(groupKey, n + 1);
    }
    if (left !== undefined) this.#typeLeft.set(type, left - 1);
    return true;
  }
}
