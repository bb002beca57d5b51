/**
 * The rate windows of the SQLite claim: start times in `queue_rate_starts` (migration 9),
 * read, pruned and written inside the claim's IMMEDIATE transaction, so that every
 * process sharing the database counts the same window and no two claims both take its
 * last slot. Only claims of rate-limited types touch the table: the statements are
 * prepared on first use.
 */
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { PRUNE_SLACK_MS, type WindowCount, type WindowReader } from '../../storage/claimBudget.js';
import type { ClaimableType } from '../../storage/claims.js';

interface Statements {
  prune: Statement;
  window: Statement;
  start: Statement;
}

/** The rate-window statements of one connection. */
export class SqliteRates {
  readonly #db: SqliteDatabase;
  #s: Statements | null = null;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  /**
   * Prunes the starts of `types` older than their longest window at `now` (and
   * {@link PRUNE_SLACK_MS}), and returns the reader of their windows for this claim.
   */
  open(types: readonly ClaimableType[], now: number): WindowReader {
    const s = this.#statements();
    for (const t of types) {
      const longest = Math.max(t.rateLimit?.durationMs ?? 0, t.groupRateLimit?.durationMs ?? 0);
      s.prune.run({ type: t.type, cut: now - longest - PRUNE_SLACK_MS });
    }
    return (type, groupKey, since) => {
      const row = s.window.get({ type, key: groupKey ?? '', since }) as { n: number; oldest: number | null };
      return row satisfies WindowCount;
    };
  }

  /** Records the start, at `now`, of a job of `rule`'s type (with its group key). */
  record(rule: ClaimableType, groupKey: string | null, now: number): void {
    const s = this.#statements();
    if (rule.rateLimit) s.start.run(rule.type, '', now);
    if (rule.groupRateLimit && rule.groupConcurrency !== null && groupKey !== null) s.start.run(rule.type, groupKey, now);
  }

  #statements(): Statements {
    this.#s ??= {
      prune: this.#db.prepare('DELETE FROM queue_rate_starts WHERE type = @type AND at <= @cut'),
      window: this.#db.prepare(
        `SELECT COUNT(*) AS n, MIN(at) AS oldest FROM queue_rate_starts
          WHERE type = @type AND group_key = @key AND at > @since`,
      ),
      start: this.#db.prepare('INSERT INTO queue_rate_starts (type, group_key, at) VALUES (?, ?, ?)'),
    };
    return this.#s;
  }
}
