/**
 * Opens the Redis connection of a Redis-backed phaseq object from what the host gave:
 * a `redis://` URL, ioredis options, or an open client it keeps owning.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { StorageError } from '../../errors.js';

/** What a host passes as `connection`. */
export type RedisConnection = string | RedisOptions | Redis;

/** An open connection, and whether closing it is ours to do. */
export interface OpenedRedis {
  redis: Redis;
  /** False when the host passed its own client: it stays open on `close()`. */
  owned: boolean;
}

/**
 * Connects (or checks a host's client with PING).
 * @throws StorageError naming `what` when Redis does not answer.
 */
export async function openRedis(connection: RedisConnection, what: string): Promise<OpenedRedis> {
  const owned = !(connection instanceof Redis);
  // - A few retries per command ride out a brief network blip without hanging callers.
  // - No re-sending of commands in flight when the connection dropped: Redis may already
  //   have run them, and running an `add` or a `claim` script twice would store or lease
  //   jobs twice. The caller gets a StorageError instead and decides.
  const defaults = { lazyConnect: true, maxRetriesPerRequest: 3, autoResendUnfulfilledCommands: false };
  const redis =
    connection instanceof Redis
      ? connection
      : typeof connection === 'string'
        ? new Redis(connection, defaults)
        : new Redis({ ...defaults, ...connection, lazyConnect: true });
  try {
    if (owned) await redis.connect();
    await redis.ping();
  } catch (error) {
    if (owned) redis.disconnect();
    throw new StorageError(`Cannot reach Redis for ${what}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return { redis, owned };
}

/** Closes a connection opened by {@link openRedis}, unless the host owns it. */
export async function closeRedis(opened: OpenedRedis): Promise<void> {
  if (!opened.owned) return;
  await opened.redis.quit().catch(() => opened.redis.disconnect());
}

/** Deletes every key starting with `prefix` (SCAN, so Redis is never blocked for long). */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}
