/**
 * RedisScheduleStore: schedules on Redis, next to the queue's jobs, so every node of a
 * multi-node install shares them and each tick is enqueued by one node, as processes
 * sharing a SQLite file do with the `schedules` table.
 *
 * Layout under `<prefix>:<queueName>:` (the queue's key base):
 * - `schedules`        set of schedule names (listing);
 * - `schedule:<name>`  hash: `def` (the definition as JSON), `nextRunAt`, `lastTick` (absent
 *                      before the first tick), `createdAt`, `updatedAt`.
 *
 * Each write is one Lua script (Redis runs one script at a time), the counterpart of the
 * SQLite store's IMMEDIATE transactions: `upsert` compares and writes the definition in
 * one step, and `advance` is the compare-and-set on `nextRunAt`. The definition is kept as
 * one JSON string written by {@link definitionJson}, so "same definition" is a string
 * comparison inside the script, and no number is ever re-encoded by Lua (its JSON encoder
 * keeps 14 digits, fewer than an epoch-millisecond instant can need).
 *
 * Part of `phaseq/bullmq` only: it needs ioredis, an optional peer of the core.
 */
import type { Redis } from 'ioredis';
import { PhaseqError, StorageError, ValidationError, type ValidationIssue } from '../../errors.js';
import { closeRedis, InFlightGuard, openRedis, type OpenedRedis, type RedisConnection } from './connection.js';
import { RedisScript, type ScriptArg } from './RedisScript.js';
import type { IScheduleStore, ScheduleDefinition, StoredSchedule, UpsertResult } from '../../scheduler/ScheduleStore.js';

/** A Redis job storage whose connection and keys the store can share (e.g. `BullMQJobQueueStorage`). */
export interface SharedRedisStorage {
  init(): Promise<void>;
  /** The open client; read on every call, because the storage opens a new one after a restart. */
  readonly redis: Redis;
  /** First part of the queue's keys. */
  readonly prefix: string;
  /** Second part of the queue's keys. */
  readonly queueName: string;
}

/**
 * Options of {@link RedisScheduleStore}: a Redis job storage to share (its connection and
 * keys), or a connection of its own with the same `prefix` / `queueName` as the queue's
 * storage.
 */
export type RedisScheduleStoreOptions =
  | { storage: SharedRedisStorage; connection?: undefined; prefix?: undefined; queueName?: undefined }
  | {
      /** A `redis://` URL, ioredis options, or an open ioredis client (the host keeps owning it). */
      connection: RedisConnection;
      /** @default 'phaseq' */
      prefix?: string;
      /** @default 'jobs' */
      queueName?: string;
      storage?: undefined;
    };

/** Shared by every script: the key base and the schedule's key. ARGV[1] base, ARGV[2] name. */
const PRELUDE = `
local rcall = redis.call
local base = ARGV[1]
local name = ARGV[2]
local key = base .. 'schedule:' .. name
`;

/** ARGV: base, name, def, firstRunAt, now. Returns the {@link UpsertResult}. */
const UPSERT = `${PRELUDE}
local def = rcall('HGET', key, 'def')
if def == ARGV[3] then return 'unchanged' end
if def then
  rcall('HSET', key, 'def', ARGV[3], 'nextRunAt', ARGV[4], 'updatedAt', ARGV[5])
  return 'updated'
end
-- No definition: a new schedule (a hash without one is not a schedule; start it clean).
rcall('DEL', key)
rcall('HSET', key, 'def', ARGV[3], 'nextRunAt', ARGV[4], 'createdAt', ARGV[5], 'updatedAt', ARGV[5])
rcall('SADD', base .. 'schedules', name)
return 'created'
`;

/** ARGV: base, name, expectedNextRunAt, tick ('' for none), nextRunAt, now. Returns 1 when it moved. */
const ADVANCE = `${PRELUDE}
local cur = rcall('HGET', key, 'nextRunAt')
if not cur or tonumber(cur) ~= tonumber(ARGV[3]) then return 0 end
rcall('HSET', key, 'nextRunAt', ARGV[5], 'updatedAt', ARGV[6])
if ARGV[4] ~= '' then rcall('HSET', key, 'lastTick', ARGV[4]) end
return 1
`;

/** ARGV: base, name. Returns 1 when a schedule was deleted. */
const REMOVE = `${PRELUDE}
local n = rcall('DEL', key)
rcall('SREM', base .. 'schedules', name)
return n
`;

/** ARGV: base. Returns name, fields, name, fields, ... (one snapshot of every schedule). */
const LIST = `
local base = ARGV[1]
local out = {}
for _, name in ipairs(redis.call('SMEMBERS', base .. 'schedules')) do
  out[#out + 1] = name
  out[#out + 1] = redis.call('HGETALL', base .. 'schedule:' .. name)
end
return out
`;

const scripts = {
  upsert: new RedisScript(UPSERT),
  advance: new RedisScript(ADVANCE),
  remove: new RedisScript(REMOVE),
  list: new RedisScript(LIST),
};

/** One guard per client: the storage's own guard is private, and one `close` listener is enough. */
const guards = new WeakMap<Redis, InFlightGuard>();

function guardOf(redis: Redis): InFlightGuard {
  let guard = guards.get(redis);
  if (!guard) {
    guard = new InFlightGuard(redis);
    guards.set(redis, guard);
  }
  return guard;
}

/**
 * The definition as stored: always the same fields in the same order, so two definitions
 * are the same (`sameDefinition`) exactly when their JSON strings are equal.
 */
function definitionJson(def: ScheduleDefinition): string {
  return JSON.stringify({
    cron: def.cron,
    everyMs: def.everyMs,
    tz: def.tz,
    catchUp: def.catchUp,
    jobType: def.jobType,
    payloadJson: def.payloadJson,
    priority: def.priority,
  });
}

function unreadable(name: string, what: string): StorageError {
  return new StorageError(`Redis schedule "${name}" is unreadable: ${what}`);
}

function nullableString(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

function instant(name: string, fields: Record<string, string>, field: string): number {
  const value = Number(fields[field]);
  if (fields[field] === undefined || !Number.isFinite(value)) throw unreadable(name, `bad ${field}`);
  return value;
}

function toSchedule(name: string, fields: Record<string, string>): StoredSchedule {
  let def: unknown;
  try {
    def = JSON.parse(fields.def ?? '');
  } catch (error) {
    throw new StorageError(`Redis schedule "${name}" is unreadable: bad def`, { cause: error });
  }
  if (typeof def !== 'object' || def === null) throw unreadable(name, 'bad def');
  const d = def as Record<string, unknown>;
  if (
    !nullableString(d.cron) ||
    !(d.everyMs === null || typeof d.everyMs === 'number') ||
    !nullableString(d.tz) ||
    typeof d.catchUp !== 'boolean' ||
    typeof d.jobType !== 'string' ||
    typeof d.payloadJson !== 'string' ||
    typeof d.priority !== 'number'
  ) {
    throw unreadable(name, 'bad def');
  }
  return {
    name,
    cron: d.cron,
    everyMs: d.everyMs,
    tz: d.tz,
    catchUp: d.catchUp,
    jobType: d.jobType,
    payloadJson: d.payloadJson,
    priority: d.priority,
    lastTick: fields.lastTick === undefined ? null : instant(name, fields, 'lastTick'),
    nextRunAt: instant(name, fields, 'nextRunAt'),
    createdAt: instant(name, fields, 'createdAt'),
    updatedAt: instant(name, fields, 'updatedAt'),
  };
}

/** A flat `HGETALL` reply (as a script returns it) as a field map. */
function toFields(flat: unknown): Record<string, string> {
  if (!Array.isArray(flat)) throw new StorageError('Redis schedules list returned an unexpected reply');
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

function isNameSafe(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && !/\s/.test(value);
}

/**
 * The Redis schedule store. A queue on `BullMQJobQueueStorage` gets one by default
 * (`createScheduler(queue)`, `queue.schedule(...)`), sharing the storage's connection.
 *
 * @example
 * ```ts
 * import { BullMQJobQueueStorage, RedisScheduleStore } from 'phaseq/bullmq';
 * const storage = new BullMQJobQueueStorage({ connection: 'redis://127.0.0.1:6379/0', prefix: 'myapp' });
 * const scheduler = createScheduler(queue, new RedisScheduleStore({ storage }));
 * ```
 */
export class RedisScheduleStore implements IScheduleStore {
  readonly name = 'redis';
  /** Where the client comes from: the shared storage's, or one this store opens. */
  readonly #source: { storage: SharedRedisStorage } | { connection: RedisConnection };
  readonly #base: string;
  #own: OpenedRedis | null = null;
  #opening: Promise<void> | null = null;

  constructor(options: RedisScheduleStoreOptions) {
    if (!options || (!options.storage && (options.connection === undefined || options.connection === null))) {
      throw new ValidationError('RedisScheduleStore needs { storage } or { connection }', [
        { path: 'connection', message: 'give a Redis job storage, or a redis:// URL, ioredis options or an ioredis client' },
      ]);
    }
    const prefix = options.storage ? options.storage.prefix : (options.prefix ?? 'phaseq');
    const queueName = options.storage ? options.storage.queueName : (options.queueName ?? 'jobs');
    const issues: ValidationIssue[] = [];
    if (!isNameSafe(prefix)) issues.push({ path: 'prefix', message: 'must be a non-empty string without spaces' });
    if (!isNameSafe(queueName) || queueName.includes(':')) {
      issues.push({ path: 'queueName', message: 'must be a non-empty string without spaces or ":"' });
    }
    if (issues.length > 0) {
      throw new ValidationError(`Invalid RedisScheduleStore options: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
    }
    this.#source = options.storage ? { storage: options.storage } : { connection: options.connection };
    // The same key base as the job storage's (`<prefix>:<queueName>:`).
    this.#base = `${prefix}:${queueName}:`;
  }

  async init(): Promise<void> {
    const source = this.#source;
    if ('storage' in source) {
      // The storage opens (or reopens, after a queue's stop) the shared connection.
      await source.storage.init();
      return;
    }
    if (this.#own) return;
    // Concurrent callers share one connection attempt.
    this.#opening ??= openRedis(source.connection, 'schedules')
      .then((opened) => {
        this.#own = opened;
      })
      .finally(() => {
        this.#opening = null;
      });
    await this.#opening;
  }

  /** Closes the connection when this store opened it (`connection`); a shared storage stays open. */
  async close(): Promise<void> {
    // A connection still being opened is closed too, not left behind.
    await this.#opening?.catch(() => undefined);
    const own = this.#own;
    this.#own = null;
    if (own) await closeRedis(own);
  }

  async upsert(def: ScheduleDefinition, firstRunAt: number, now: number): Promise<UpsertResult> {
    const reply = await this.#run('upsert', scripts.upsert, [def.name, definitionJson(def), firstRunAt, now]);
    if (reply !== 'created' && reply !== 'updated' && reply !== 'unchanged') {
      throw new StorageError('Redis schedules upsert returned an unexpected reply');
    }
    return reply;
  }

  async remove(name: string): Promise<boolean> {
    return Number(await this.#run('remove', scripts.remove, [name])) > 0;
  }

  async get(name: string): Promise<StoredSchedule | null> {
    const fields = await this.#call('get', (redis) => redis.hgetall(`${this.#base}schedule:${name}`));
    return fields.def === undefined ? null : toSchedule(name, fields);
  }

  async list(): Promise<StoredSchedule[]> {
    const reply = await this.#run('list', scripts.list, []);
    if (!Array.isArray(reply)) throw new StorageError('Redis schedules list returned an unexpected reply');
    const out: StoredSchedule[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const fields = toFields(reply[i + 1]);
      // A name whose hash is gone is not a schedule (nothing else writes these keys).
      if (fields.def !== undefined) out.push(toSchedule(String(reply[i]), fields));
    }
    // The order of the other stores (JavaScript string order, as the memory store sorts).
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async advance(name: string, expectedNextRunAt: number, tick: number | null, nextRunAt: number, now: number): Promise<boolean> {
    const reply = await this.#run('advance', scripts.advance, [name, expectedNextRunAt, tick === null ? '' : tick, nextRunAt, now]);
    return Number(reply) === 1;
  }

  #redis(): Redis {
    if ('storage' in this.#source) return this.#source.storage.redis;
    if (!this.#own) throw new StorageError('Redis schedule store is not open: call init() first');
    return this.#own.redis;
  }

  #run(op: string, script: RedisScript, args: readonly ScriptArg[]): Promise<unknown> {
    return this.#call(op, (redis) => script.run(redis, [this.#base, ...args]));
  }

  /**
   * Runs one command under the in-flight guard: the connections phaseq opens do not
   * re-send commands after a drop, so without it a command caught by a disconnect would
   * never settle and a scheduler pass would wait for ever.
   */
  async #call<T>(op: string, fn: (redis: Redis) => Promise<T>): Promise<T> {
    try {
      const redis = this.#redis();
      return await guardOf(redis).run(fn(redis));
    } catch (error) {
      if (error instanceof PhaseqError) throw error;
      throw new StorageError(`Redis schedules ${op} failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }
}
