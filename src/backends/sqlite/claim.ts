/**
 * The SQLite claim: which pending jobs one claim leases, inside the caller's IMMEDIATE
 * transaction (so the pauses and running counts it reads cannot change under it).
 *
 * Every path reads the `jobs_claim (type, priority, run_at, id, group_key) WHERE state =
 * 'pending'` index one job type at a time, so jobs of types the claimer does not run, or
 * of paused types, are never walked over, whatever their number.
 *
 * - A claim with a filter first reads `queue_pauses` (a few rows at most, 0.15 µs inside
 *   the transaction): nothing when the whole queue is paused, and paused types are left
 *   out before any job is read. (The same
 *   test inside the claim statement cost more: as a `NOT EXISTS` term SQLite checks it
 *   row by row, walking every job of a paused type; as a subquery yielding the type to
 *   seek, it made a claim of three jobs a third dearer.)
 * - **Fast path** (no limits in the filter): one `UPDATE … WHERE id IN (…) RETURNING`
 *   whose subquery takes the first `limit` jobs of each claimable type (one index seek
 *   each) and keeps the best `limit` of them. Its `LIMIT` is a literal, one cached
 *   statement per (number of types, batch size): a bound `LIMIT` doubled a small claim's
 *   CPU (SQLite plans the ordered subquery for an unknown row count).
 * - **Limited path**: the jobs processing now are counted per type and group key
 *   (`jobs_running` index), a {@link ClaimBudget} says what is left, each type offers its
 *   first candidates within that, and the best `limit` of them are leased by id (within a
 *   priority, a type with a concurrency limit first: see byClaimOrder).
 *   A grouped type is walked in claim order with its full keys excluded inside SQLite; a
 *   key that fills during the walk is excluded from the next query, which resumes after
 *   the last row seen. The walk passes over the pending jobs of full keys that come
 *   before the free ones (inside SQLite, about 0.15 µs each), never over other types.
 * - **Rate limits** take the limited path too: the claim prunes and counts the type's
 *   window (and each key's, when first met) in `queue_rate_starts`, takes no more than
 *   the slots left, records a start per leased job, and reports when the next slot opens
 *   (sqliteRates.ts). A filter without rate limits never touches that table.
 */
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { StorageError } from '../../errors.js';
import type { Job } from '../../types.js';
import { ClaimBudget, hasLimits, hasRate, type RunningCount } from '../../storage/claimBudget.js';
import { CLAIM_COLUMNS, claimedRowToJob, compareClaimOrder, type ClaimedRow } from '../../storage/rows.js';
import { SqliteRates } from './rates.js';
import type { ClaimableType, ClaimFilter, ClaimReport } from '../../storage/claims.js';

/** Claims of more jobs than this at once are rare enough to compile each time. */
const MAX_CACHED_CLAIM = 256;

const LEASE = `UPDATE jobs SET state = 'processing', locked_by = @owner, locked_until = @until, attempts = attempts + 1`;

/** A candidate of the limited path; `first` 0 for a type with a concurrency limit (see byClaimOrder). */
interface Candidate {
  id: number;
  priority: number;
  run_at: number;
  group_key: string | null;
  first?: number;
}

/**
 * Claim order, except that within a priority the candidates of a type with a concurrency
 * limit (at most its free slots) come first: a limited type then runs at its limit while
 * its jobs wait. In plain claim order a worker freed by a limited job would take an older
 * job of another type, and the limited slot would wait for the order to reach its jobs
 * again (measured: a type limited to 4 ran 3 at once on average beside a busier type).
 */
function byClaimOrder(a: Candidate, b: Candidate): number {
  return a.priority - b.priority || (a.first ?? 1) - (b.first ?? 1) || a.run_at - b.run_at || a.id - b.id;
}

/** The first `limit` ready jobs of type `@tN`, best first (one seek on `jobs_claim`). */
function firstOfType(n: number, limit: number, columns: string): string {
  return `SELECT ${columns} FROM jobs
           WHERE state = 'pending' AND type = @t${n} AND run_at <= @now
           ORDER BY priority, run_at, id LIMIT ${limit}`;
}

/** A grouped type's walk: ready jobs in claim order, keys in `@full` left out, after `cond`. */
function walkArm(cond: string): string {
  return `SELECT id, priority, run_at, group_key FROM (
            SELECT id, priority, run_at, group_key FROM jobs
             WHERE state = 'pending' AND type = @type AND run_at <= @now AND ${cond}
               AND (group_key IS NULL OR group_key NOT IN (SELECT value FROM json_each(@full)))
             ORDER BY priority, run_at, id LIMIT @n)`;
}

/** The claim statements of one connection. */
export class SqliteClaims {
  readonly #db: SqliteDatabase;
  readonly #fast = new Map<string, Statement>();
  readonly #paused: Statement;
  readonly #pendingTypes: Statement;
  readonly #running: Statement;
  readonly #pick: Statement;
  readonly #walkFirst: Statement;
  readonly #walkAfter: Statement;
  readonly #leaseIds: Statement;
  readonly #rates: SqliteRates;
  /** Per filter (a queue passes the same object until its registry changes): its type names, or null when it has limits. */
  readonly #plain = new WeakMap<ClaimFilter, readonly string[] | null>();

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#rates = new SqliteRates(db);
    this.#paused = db.prepare('SELECT type FROM queue_pauses').pluck();
    // A loose index scan: one seek per distinct type, however many jobs each has.
    this.#pendingTypes = db
      .prepare(
        `WITH RECURSIVE t(type) AS (
           SELECT (SELECT MIN(type) FROM jobs WHERE state = 'pending')
           UNION ALL
           SELECT (SELECT MIN(type) FROM jobs WHERE state = 'pending' AND type > t.type) FROM t WHERE t.type IS NOT NULL
         ) SELECT type FROM t WHERE type IS NOT NULL`,
      )
      .pluck();
    this.#running = db.prepare(
      `SELECT type, group_key AS groupKey, COUNT(*) AS n FROM jobs
        WHERE state = 'processing' AND type IN (SELECT value FROM json_each(@types))
        GROUP BY type, group_key`,
    );
    this.#pick = db.prepare(
      `SELECT id, priority, run_at, NULL AS group_key FROM jobs
        WHERE state = 'pending' AND type = @type AND run_at <= @now
        ORDER BY priority, run_at, id LIMIT @n`,
    );
    this.#walkFirst = db.prepare(walkArm('1'));
    // "After (p, r, i)" as three ranges: a row-value comparison would seek on (p, r)
    // only and pass again over every row of that run time (a bulk add shares one).
    this.#walkAfter = db.prepare(
      `${walkArm('priority = @p AND run_at = @r AND id > @i')}
       UNION ALL ${walkArm('priority = @p AND run_at > @r')}
       UNION ALL ${walkArm('priority > @p')}
       ORDER BY priority, run_at, id LIMIT @n`,
    );
    this.#leaseIds = db
      .prepare(`${LEASE} WHERE id IN (SELECT value FROM json_each(@ids)) AND state = 'pending' RETURNING ${CLAIM_COLUMNS}`)
      .raw(true);
  }

  /** The types that have pending jobs, sorted. */
  pendingTypes(): string[] {
    return this.#pendingTypes.all() as string[];
  }

  /**
   * Leases up to `limit` jobs (see `IJobQueueStorage.claim`); returns them in claim order.
   * Runs inside the caller's write transaction.
   */
  claim(owner: string, limit: number, now: number, leaseMs: number, filter: ClaimFilter | undefined, report?: ClaimReport): Job[] {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new StorageError(`Claim limit must be a positive integer, got ${limit}`);
    const until = now + leaseMs;
    let rows: ClaimedRow[];
    if (!filter) {
      // Tools claim every type, paused or not.
      rows = this.#claimFast(this.pendingTypes(), owner, limit, now, until);
    } else {
      const paused = this.#paused.all() as string[];
      if (paused.includes('')) return [];
      const plain = this.#typesIfPlain(filter);
      if (plain === null) {
        const types = paused.length === 0 ? filter.types : filter.types.filter((t) => !paused.includes(t.type));
        rows = this.#claimLimited(types, owner, limit, now, until, report);
      } else {
        rows = this.#claimFast(paused.length === 0 ? plain : plain.filter((t) => !paused.includes(t)), owner, limit, now, until);
      }
    }
    const jobs = new Array<Job>(rows.length);
    for (let i = 0; i < rows.length; i++) jobs[i] = claimedRowToJob(rows[i]!, owner, until);
    return rows.length > 1 ? jobs.sort(compareClaimOrder) : jobs;
  }

  /** The filter's type names when it sets no limit (the fast path), else null; remembered per filter. */
  #typesIfPlain(filter: ClaimFilter): readonly string[] | null {
    let names = this.#plain.get(filter);
    if (names === undefined) {
      names = hasLimits(filter) ? null : filter.types.map((t) => t.type);
      this.#plain.set(filter, names);
    }
    return names;
  }

  #claimFast(types: readonly string[], owner: string, limit: number, now: number, until: number): ClaimedRow[] {
    if (types.length === 0) return [];
    if (types.length === 1) return this.#fastStatement(1, limit).all({ owner, until, now, t0: types[0] }) as ClaimedRow[];
    const params: Record<string, string | number> = { owner, until, now };
    for (let i = 0; i < types.length; i++) params[`t${i}`] = types[i]!;
    return this.#fastStatement(types.length, limit).all(params) as ClaimedRow[];
  }

  #fastStatement(types: number, limit: number): Statement {
    const key = `${types}:${limit}`;
    let stmt = this.#fast.get(key);
    if (stmt) return stmt;
    // Several types: the first `limit` of each, merged, and the best `limit` of those.
    const arms = Array.from({ length: types }, (_, n) => `SELECT * FROM (${firstOfType(n, limit, 'id, priority, run_at')})`);
    const pick =
      types === 1
        ? firstOfType(0, limit, 'id')
        : `SELECT id FROM (${arms.join(' UNION ALL ')} ORDER BY priority, run_at, id LIMIT ${limit})`;
    stmt = this.#db.prepare(`${LEASE} WHERE id IN (${pick}) RETURNING ${CLAIM_COLUMNS}`).raw(true);
    if (limit <= MAX_CACHED_CLAIM) this.#fast.set(key, stmt);
    return stmt;
  }

  #claimLimited(
    types: readonly ClaimableType[],
    owner: string,
    limit: number,
    now: number,
    until: number,
    report: ClaimReport | undefined,
  ): ClaimedRow[] {
    if (types.length === 0) return [];
    const running = this.#running.all({ types: JSON.stringify(types.map((t) => t.type)) }) as RunningCount[];
    const rated = types.filter(hasRate);
    const budget = new ClaimBudget(types, running, rated.length > 0 ? this.#rates.open(rated, now) : null, now);
    const candidates: Candidate[] = [];
    for (const t of types) {
      const n = budget.typeLeft(t.type, limit);
      if (n === 0) continue;
      let found: Candidate[];
      if (t.groupConcurrency === null) {
        found = this.#pick.all({ type: t.type, now, n }) as Candidate[];
        // Counted in the budget (they fit: n is what it allows), so that its next slot
        // accounts for them.
        for (let i = 0; i < found.length; i++) budget.take(t.type, null);
      } else {
        found = this.#walkGroups(t.type, n, now, budget);
      }
      if (t.concurrency !== null) for (const c of found) c.first = 0;
      candidates.push(...found);
    }
    let rows: ClaimedRow[] = [];
    if (candidates.length > 0) {
      const ids = candidates
        .sort(byClaimOrder)
        .slice(0, limit)
        .map((c) => c.id);
      rows = this.#leaseIds.all({ owner, until, ids: JSON.stringify(ids) }) as ClaimedRow[];
    }
    if (rated.length > 0) {
      for (const row of rows) {
        const rule = rated.find((t) => t.type === row[1]);
        if (rule) this.#rates.record(rule, row[14], now);
      }
      if (report) report.nextSlotAt = budget.nextSlotAt();
    }
    return rows;
  }

  /** Up to `cap` jobs of a grouped type, in claim order, within its keys' limits. */
  #walkGroups(type: string, cap: number, now: number, budget: ClaimBudget): Candidate[] {
    const out: Candidate[] = [];
    let last: Candidate | null = null;
    while (out.length < cap) {
      const n = cap - out.length;
      const full = JSON.stringify(budget.fullKeys(type));
      const rows = (
        last === null
          ? this.#walkFirst.all({ type, now, full, n })
          : this.#walkAfter.all({ type, now, full, n, p: last.priority, r: last.run_at, i: last.id })
      ) as Candidate[];
      // A row is left out when its key filled earlier in this batch; the next query
      // leaves that key out in SQLite.
      for (const row of rows) if (budget.take(type, row.group_key)) out.push(row);
      if (rows.length < n) break;
      last = rows[rows.length - 1]!;
    }
    return out;
  }
}
