/**
 * Options of the Redis storage backend, and their checks (one ValidationError naming
 * every bad option, thrown by the constructor before anything connects).
 */
import { ValidationError, type ValidationIssue } from '../../errors.js';
import type { RedisConnection } from './connection.js';

/** Options of {@link BullMQJobQueueStorage}. */
export interface BullMQJobQueueStorageOptions {
  /**
   * Where Redis is: a `redis://` URL, ioredis options, or an open ioredis client (the host
   * keeps ownership: `close()` leaves it open). A client you pass should be created with
   * `autoResendUnfulfilledCommands: false` and `enableOfflineQueue: false`, as the ones
   * phaseq opens are: re-sending a script that Redis already ran when the connection
   * dropped would add or lease jobs twice.
   */
  connection: RedisConnection;
  /**
   * First part of every key. Use a hash tag (`{phaseq}`) on Redis Cluster, so that all keys
   * of one queue live in one slot.
   * @default 'phaseq'
   */
  prefix?: string;
  /**
   * Name of the queue; several queues can share one Redis under one prefix.
   * @default 'jobs'
   */
  queueName?: string;
  /**
   * Workers a queue starts on this storage by default. Higher than on SQLite: a claim
   * waits on the network, not on the disk.
   * @default 10
   */
  defaultConcurrency?: number;
  /**
   * Entries the queue's event stream keeps (about: Redis trims in whole blocks). Listeners
   * that fall further behind miss events. Stored on Redis by `init()`, for every node;
   * when omitted, the value already stored (or 10,000) applies.
   */
  maxEvents?: number;
  /**
   * Largest job payload, in bytes of JSON, copied into the event stream with each job
   * outcome, so that listeners on other nodes see it (`job.payload`); a larger payload is
   * left out (listeners get `payload: null` and `payloadOmitted`). Bounds the stream's
   * memory at about `maxEvents` times this. Stored on Redis by `init()`, for every node;
   * when omitted, the value already stored (or 8,192) applies. 0 leaves every payload out.
   */
  maxEventPayloadBytes?: number;
}

/** {@link BullMQJobQueueStorageOptions} with defaults applied. */
export interface ResolvedStorageOptions {
  connection: RedisConnection;
  prefix: string;
  queueName: string;
  defaultConcurrency: number;
  /** Null: keep the value stored on Redis. */
  maxEvents: number | null;
  /** Null: keep the value stored on Redis. */
  maxEventPayloadBytes: number | null;
}

function isNameSafe(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && !/\s/.test(value);
}

/**
 * Applies defaults and checks every option.
 * @throws ValidationError listing each bad option.
 */
export function resolveStorageOptions(options: BullMQJobQueueStorageOptions): ResolvedStorageOptions {
  if (!options || options.connection === undefined || options.connection === null) {
    throw new ValidationError('BullMQJobQueueStorage needs { connection }', [
      { path: 'connection', message: 'a redis:// URL, ioredis options or an ioredis client is required' },
    ]);
  }
  const prefix = options.prefix ?? 'phaseq';
  const queueName = options.queueName ?? 'jobs';
  const defaultConcurrency = options.defaultConcurrency ?? 10;
  const issues: ValidationIssue[] = [];
  if (!isNameSafe(prefix)) issues.push({ path: 'prefix', message: 'must be a non-empty string without spaces' });
  if (!isNameSafe(queueName) || queueName.includes(':')) {
    issues.push({ path: 'queueName', message: 'must be a non-empty string without spaces or ":"' });
  }
  if (!Number.isInteger(defaultConcurrency) || defaultConcurrency < 1 || defaultConcurrency > 1000) {
    issues.push({ path: 'defaultConcurrency', message: 'must be a whole number from 1 to 1000' });
  }
  if (options.maxEvents !== undefined && (!Number.isInteger(options.maxEvents) || options.maxEvents < 1)) {
    issues.push({ path: 'maxEvents', message: 'must be a positive whole number' });
  }
  const maxPayload = options.maxEventPayloadBytes;
  if (maxPayload !== undefined && (!Number.isInteger(maxPayload) || maxPayload < 0)) {
    issues.push({ path: 'maxEventPayloadBytes', message: 'must be a whole number, 0 or more' });
  }
  if (issues.length > 0) {
    throw new ValidationError(`Invalid BullMQJobQueueStorage options: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
  }
  return {
    connection: options.connection,
    prefix,
    queueName,
    defaultConcurrency,
    maxEvents: options.maxEvents ?? null,
    maxEventPayloadBytes: maxPayload ?? null,
  };
}
