/**
 * Opens the Redis connection of a Redis-backed phaseq object from what the host gave:
 * a `redis://` URL, ioredis options, or an open client it keeps owning.
 */
import type * as IORedis from 'ioredis';
import type { Redis, RedisOptions } from 'ioredis';
import { StorageError } from '../../errors.js';
import { requirePeer } from '../../peers.js';

// ioredis is an optional peer: importing phaseq/bullmq without it names it (requirePeer).
const { Redis: RedisClient } = requirePeer<typeof IORedis>('ioredis', 'phaseq/bullmq', '^5');

/** What a host passes as `connection`. */
export type RedisConnection = string | RedisOptions | Redis;

/** An open connection, and whether closing it is ours to do. */
export interface OpenedRedis {
  redis: Redis;
  /** False when the host passed its own client: it stays open on `close()`. */
  owned: boolean;
  /** Runs commands so that a dropped connection fails them instead of losing them. */
  guard: InFlightGuard;
}

/**
 * Fails the commands in flight when their connection closes.
 *
 * Without re-sending (see {@link openRedis}), ioredis forgets the commands that were
 * written to a connection that then dropped: their promises never settle, and a worker
 * awaiting one would hang for ever. The guard rejects them on `close` with an error that
 * says the truth: the command may or may not have run.
 */
export class InFlightGuard {
  readonly #pending = new Set<(error: Error) => void>();

  constructor(redis: Redis) {
    redis.on('close', () => {
      const error = new Error('the Redis connection closed while the command was in flight: it may or may not have run');
      for (const fail of this.#pending) fail(error);
      this.#pending.clear();
    });
  }

  /** Settles with `command`, or rejects when the connection closes first. */
  run<T>(command: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.add(reject);
      command.then(
        (value) => {
          this.#pending.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          this.#pending.delete(reject);
          reject(error);
        },
      );
    });
  }
}

/**
 * Connects (or checks a host's client with PING).
 * @throws StorageError naming `what` when Redis does not answer.
 */
export async function openRedis(connection: RedisConnection, what: string): Promise<OpenedRedis> {
  const owned = !(connection instanceof RedisClient);
  // Every command either runs once or fails with an error saying whether it may have run:
  // - no re-sending of commands in flight when the connection dropped: Redis may already
  //   have run them, and running an `add` or a `claim` script twice would store or lease
  //   jobs twice (the guard fails them instead: "may or may not have run");
  // - no offline queue: while disconnected, commands fail at once ("did not run") instead
  //   of waiting to be sent, so the guard never has to fail a command that runs later.
  //   Workers report the error and retry after their idle sleep; ioredis reconnects.
  const defaults = {
    lazyConnect: true,
    maxRetriesPerRequest: 3,
    autoResendUnfulfilledCommands: false,
    enableOfflineQueue: false,
  };
  const redis =
    connection instanceof RedisClient
      ? connection
      : typeof connection === 'string'
        ? new RedisClient(connection, defaults)
        : new RedisClient({ ...defaults, ...connection, lazyConnect: true });
  if (owned) {
    redis.on('error', () => {
      // Connection errors also reject the commands they affect, which is where they are
      // reported; without a listener ioredis would print each one to the console.
    });
  }
  try {
    if (owned) await redis.connect();
    await redis.ping();
  } catch (error) {
    if (owned) redis.disconnect();
    throw new StorageError(`Cannot reach Redis for ${what}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return { redis, owned, guard: new InFlightGuard(redis) };
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
