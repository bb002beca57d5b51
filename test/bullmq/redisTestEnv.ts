/**
 * Redis for tests: whether it answers on 127.0.0.1:6379, a fresh key prefix per test, and
 * clean-up of every key under that prefix. Without Redis the Redis tests are skipped with
 * a one-line reason, except under CI=true, where a missing Redis fails the run.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis every test uses. */
export const REDIS_URL = process.env.PHASEQ_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/** Null when Redis answers PING, else why not (one line). */
export async function redisUnavailableReason(): Promise<string | null> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // The connection error (e.g. ECONNREFUSED) says more than the rejection ("Connection is closed").
  const seen: { error?: Error } = {};
  redis.on('error', (error: Error) => (seen.error ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    const why = seen.error?.message ?? (error instanceof Error ? error.message : String(error));
    return `Redis at ${REDIS_URL} does not answer (${why})`;
  } finally {
    redis.disconnect();
  }
}

/**
 * Resolves the skip reason for a Redis test file: null to run. Under CI=true a missing
 * Redis throws, failing the file instead of skipping it.
 */
export async function redisSkipReason(): Promise<string | null> {
  const reason = await redisUnavailableReason();
  if (reason && process.env.CI === 'true') throw new Error(`${reason}; CI=true requires Redis`);
  if (reason) console.warn(`Redis tests skipped: ${reason}`);
  return reason;
}

/** A key prefix no other test uses. */
export function freshPrefix(): string {
  return `phaseq-test-${randomUUID().slice(0, 8)}`;
}

/** Deletes every key under `prefix:`. */
export async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
