/**
 * The job types of a queue as plain data, for a page or an API: the limits each
 * registration puts on its type (read from the registry) beside what the storage says of
 * the type now (its pause, its live workers). Read-only: nothing here changes a limit.
 */
import type { QueueStats } from '../types.js';
import type { HandlerRegistry, Registration } from './HandlerRegistry.js';

/**
 * A rate limit as its registration gives it (`{ max, durationMs }`: at most `max` job
 * starts in any window of `durationMs`), with its number, text and boolean fields only:
 * whatever fields a rate limit gains later are passed on as they are.
 */
export type RateLimitInfo = Readonly<Record<string, number | string | boolean>>;

/** One job type in {@link describeJobTypes}. */
export interface JobTypeInfo {
  readonly type: string;
  /**
   * This queue's registry holds the type: its handler may run in this process and the
   * limits below are its registration's. False for a type only known from stored jobs
   * (another process registers it): its limits are not known here and read as none.
   */
  readonly registered: boolean;
  /** At most this many jobs of the type run at once, across processes; null: no limit. */
  readonly concurrency: number | null;
  /**
   * The per-key limit: at most `concurrency` running jobs per key (and the key's own
   * `rateLimit`, when it has one); null when the type is not grouped. The key function
   * itself is not data and is left out.
   */
  readonly group: { readonly concurrency: number; readonly rateLimit?: RateLimitInfo } | null;
  /** The type's rate limit; absent when it has none. */
  readonly rateLimit?: RateLimitInfo;
  /** Its jobs are held by a pause: of the type itself, or of the whole queue. */
  readonly paused: boolean;
  /** The type is paused on its own (`pause(type)`): it stays paused when the whole queue resumes. */
  readonly typePaused: boolean;
  /**
   * Live workers (started queues in any process sharing the storage) that run the type,
   * as `getStats()` counts them; null when no job of the type is stored, because the
   * stats count workers per type for the types that have jobs only.
   */
  readonly workers: number | null;
}

/** The rate limit on `source` (a registration or its group), when it has one. */
function rateLimitOf(source: object): RateLimitInfo | undefined {
  // Read by name, so that registrations gaining a `rateLimit` show it without a change here.
  if (!('rateLimit' in source)) return undefined;
  const limit = source.rateLimit;
  if (typeof limit !== 'object' || limit === null) return undefined;
  const fields = Object.entries(limit).filter((entry): entry is [string, number | string | boolean] =>
    ['number', 'string', 'boolean'].includes(typeof entry[1]),
  );
  return Object.fromEntries(fields);
}

/** The limits of one registration, as data. */
function limitsOf(registration: Registration | undefined): Pick<JobTypeInfo, 'concurrency' | 'group' | 'rateLimit'> {
  if (!registration) return { concurrency: null, group: null };
  const rateLimit = rateLimitOf(registration);
  const group = registration.group;
  const groupRate = group ? rateLimitOf(group) : undefined;
  return {
    concurrency: registration.concurrency,
    group: group ? { concurrency: group.concurrency, ...(groupRate ? { rateLimit: groupRate } : {}) } : null,
    ...(rateLimit ? { rateLimit } : {}),
  };
}

/**
 * Every type the registry holds or the stats count jobs of, sorted by name: its limits
 * from the registry, its pause and workers from the stats.
 *
 * @example
 * ```ts
 * describeJobTypes(queue.registry, await queue.getStats());
 * // [{ type: 'publish', registered: true, concurrency: 4, group: null, paused: false, typePaused: false, workers: 1 }]
 * ```
 */
export function describeJobTypes(registry: Pick<HandlerRegistry, 'types' | 'get'>, stats: QueueStats): JobTypeInfo[] {
  const types = [...new Set([...registry.types(), ...Object.keys(stats.byType)])].sort();
  const pausedTypes = new Set(stats.pausedTypes);
  return types.map((type) => {
    const registration = registry.get(type);
    const typePaused = pausedTypes.has(type);
    return {
      type,
      registered: registration !== undefined,
      ...limitsOf(registration),
      paused: stats.paused || typePaused,
      typePaused,
      workers: stats.byType[type]?.workers ?? null,
    };
  });
}
