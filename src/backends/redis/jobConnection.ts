/**
 * RedisJobConnection: the connection under the Redis storage, and everything about it that
 * is not a job operation — opening it (and bringing keys written by an older version to
 * the current layout), running a script or a command under the in-flight guard with its
 * errors reported as StorageError, the watch that hears other nodes' work, and closing it
 * with the listeners that hang on it.
 *
 * The storage (storage.ts) and its admin operations (adminOperations.ts) run their scripts
 * through `run`; this class decides whether they can run at all.
 */
import type { Redis } from 'ioredis';
import { PhaseqError, StorageError } from '../../errors.js';
import { LAYOUT_SCRIPT } from './layoutScript.js';
import { closeRedis, openRedis, type OpenedRedis } from './connection.js';
import { RedisScript, type ScriptArg } from './RedisScript.js';
import type { ResolvedStorageOptions } from './storageOptions.js';
import { watchWork } from './watchWork.js';

const layout = new RedisScript(LAYOUT_SCRIPT);

/** What the connection needs of the storage's options. */
export type RedisJobConnectionOptions = Pick<
  ResolvedStorageOptions,
  'connection' | 'prefix' | 'queueName' | 'maxEvents' | 'maxEventPayloadBytes'
>;

/** Checks that a script's reply is an array (every multi-value reply is one). */
export function replyArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new StorageError(`Redis ${what} returned an unexpected reply`);
  return value;
}

/** The connection of one Redis storage, and the key base of its queue. */
export class RedisJobConnection {
  /** First part of every key of the queue: `<prefix>:<queueName>:`. */
  readonly base: string;
  readonly #connection: RedisJobConnectionOptions['connection'];
  readonly #maxEvents: number | null;
  readonly #maxEventPayloadBytes: number | null;
  #opened: OpenedRedis | null = null;
  #opening: Promise<void> | null = null;
  readonly #watchers = new Set<() => void>();
  readonly #subscriptions = new Set<() => Promise<void>>();

  constructor(options: RedisJobConnectionOptions) {
    this.#connection = options.connection;
    this.base = `${options.prefix}:${options.queueName}:`;
    this.#maxEvents = options.maxEvents;
    this.#maxEventPayloadBytes = options.maxEventPayloadBytes;
  }

  /** The open client. @throws StorageError before `init` and after `close`. */
  get redis(): Redis {
    return this.#openedOrThrow().redis;
  }

  async init(): Promise<void> {
    if (this.#opened) return;
    // Concurrent callers (a queue and a settings migration sharing one storage) share
    // one connection attempt.
    this.#opening ??= this.#open().finally(() => {
      this.#opening = null;
    });
    await this.#opening;
  }

  async #open(): Promise<void> {
    const opened = await openRedis(this.#connection, 'the job queue');
    const meta: Record<string, number> = {};
    if (this.#maxEvents !== null) meta.maxEvents = this.#maxEvents;
    if (this.#maxEventPayloadBytes !== null) meta.eventPayloadBytes = this.#maxEventPayloadBytes;
    try {
      if (Object.keys(meta).length > 0) await opened.redis.hset(`${this.base}meta`, meta);
      // Keys written by a version before the queue controls get their per-type indexes.
      await opened.guard.run(layout.run(opened.redis, [this.base]));
    } catch (error) {
      await closeRedis(opened);
      throw new StorageError(`Redis init failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    this.#opened = opened;
  }

  async close(): Promise<void> {
    // Watchers and event listeners hold their own connections, which would keep the
    // process alive.
    for (const stop of this.#watchers) stop();
    this.#watchers.clear();
    const subscriptions = [...this.#subscriptions];
    this.#subscriptions.clear();
    await Promise.all(subscriptions.map((stop) => stop()));
    const opened = this.#opened;
    this.#opened = null;
    if (opened) await closeRedis(opened);
  }

  /** Runs one of the queue's scripts, with the key base as its first argument. */
  run(op: string, script: RedisScript, args: readonly ScriptArg[]): Promise<unknown> {
    const opened = this.#opened;
    if (!opened) return Promise.reject(this.#notOpen());
    return this.wrap(op, () => opened.guard.run(script.run(opened.redis, [this.base, ...args])));
  }

  /** Runs one plain read command on one of the queue's keys (`key` without the base). */
  async command(op: string, command: string, key: string): Promise<unknown> {
    const opened = this.#openedOrThrow();
    return this.wrap(op, () => opened.guard.run(opened.redis.call(command, `${this.base}${key}`)));
  }

  /** Runs `fn`, reporting any error but phaseq's own as a StorageError naming `op`. */
  async wrap<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof PhaseqError) throw error;
      throw new StorageError(`Redis ${op} failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }

  /** See `BullMQJobQueueStorage.watch`; `close()` stops it too. */
  watch(onChange: () => void, intervalMs: number): () => void {
    const stop = watchWork(this.redis, this.base, onChange, intervalMs);
    this.#watchers.add(stop);
    return () => {
      this.#watchers.delete(stop);
      stop();
    };
  }

  /**
   * Starts a listener that holds a connection of its own (`start` resolves with what
   * stops it) and keeps it until the returned function or `close()` stops it, once.
   */
  async subscribe(op: string, start: () => Promise<() => Promise<void>>): Promise<() => Promise<void>> {
    const unsubscribe = await this.wrap(op, start);
    let stopping: Promise<void> | null = null;
    const stop = (): Promise<void> => {
      this.#subscriptions.delete(stop);
      stopping ??= unsubscribe();
      return stopping;
    };
    this.#subscriptions.add(stop);
    return stop;
  }

  #openedOrThrow(): OpenedRedis {
    if (!this.#opened) throw this.#notOpen();
    return this.#opened;
  }

  #notOpen(): StorageError {
    return new StorageError('Redis storage is not open: call init() (or queue.start()) first');
  }
}
