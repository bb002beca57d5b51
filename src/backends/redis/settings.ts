/**
 * RedisSettingsStore: settings in one Redis hash, shared by every node of a multi-node
 * install, so `PhaseConfigService` works unchanged on Redis.
 *
 * The change token is a version counter bumped (in the same script) by every write that
 * changed something, and announced on a pub/sub channel. Each store keeps the latest
 * version it heard in memory, so `changeToken()` — called on every cached settings read,
 * i.e. once per job — costs no round trip. Only while the subscription is not live
 * (starting, reconnecting) does it read the counter from Redis instead, and it re-reads it
 * after every reconnect, since messages sent while disconnected are lost.
 */
import type { Redis } from 'ioredis';
import { closeRedis, openRedis, type OpenedRedis, type RedisConnection } from './connection.js';
import { PhaseqError, StorageError, ValidationError } from '../../errors.js';
import type { ISettingsStore, SettingsDeleteTarget, SettingsEntries } from '../../settings/types.js';
import { normalizeDeleteTarget, normalizeEntries, normalizePrefix } from '../../settings/validate.js';

/** Options of {@link RedisSettingsStore}. */
export interface RedisSettingsStoreOptions {
  /**
   * Where Redis is: a `redis://` URL, ioredis options, or an open ioredis client (the host
   * keeps ownership: `close()` leaves it open; a second connection is opened for pub/sub).
   */
  connection: RedisConnection;
  /**
   * First part of the keys: `<prefix>:settings` (hash), `<prefix>:settings:version`,
   * channel `<prefix>:settings:changed`. Use the queue storage's prefix to keep one
   * install under one prefix.
   * @default 'phaseq'
   */
  prefix?: string;
}

/** KEYS: hash, version. ARGV: channel, then key/value pairs. Returns the version. */
const SET_MANY = `
local changed = false
for i = 2, #ARGV - 1, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) ~= ARGV[i + 1] then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    changed = true
  end
end
if changed then
  local v = redis.call('INCR', KEYS[2])
  redis.call('PUBLISH', ARGV[1], v)
  return v
end
return tonumber(redis.call('GET', KEYS[2]) or '0')
`;

/**
 * KEYS: hash, version. ARGV: channel, mode (`keys` | `prefix`), then keys or the prefix.
 * Returns `{ deleted, version }`.
 */
const DELETE_MANY = `
local n = 0
if ARGV[2] == 'prefix' then
  local p = ARGV[3]
  for _, k in ipairs(redis.call('HKEYS', KEYS[1])) do
    if string.sub(k, 1, #p) == p then n = n + redis.call('HDEL', KEYS[1], k) end
  end
else
  for i = 3, #ARGV do n = n + redis.call('HDEL', KEYS[1], ARGV[i]) end
end
if n > 0 then
  local v = redis.call('INCR', KEYS[2])
  redis.call('PUBLISH', ARGV[1], v)
  return { n, v }
end
return { n, tonumber(redis.call('GET', KEYS[2]) or '0') }
`;

/**
 * The Redis settings store.
 *
 * @example
 * ```ts
 * import { RedisSettingsStore } from 'phaseq/bullmq';
 * const store = new RedisSettingsStore({ connection: 'redis://127.0.0.1:6379/0' });
 * const phases = new PhaseConfigService({ store });
 * ```
 */
export class RedisSettingsStore implements ISettingsStore {
  readonly name = 'redis';
  readonly #connection: RedisSettingsStoreOptions['connection'];
  readonly #hashKey: string;
  readonly #versionKey: string;
  readonly #channel: string;
  readonly #subscriberName: string;
  #opened: OpenedRedis | null = null;
  #sub: Redis | null = null;
  /** Highest version heard (own writes, messages, counter reads). */
  #heard: number | null = null;
  /** True while the subscription is live and the counter was read after it began. */
  #synced = false;
  #resyncing = false;
  #opening: Promise<void> | null = null;

  constructor(options: RedisSettingsStoreOptions) {
    if (!options || options.connection === undefined || options.connection === null) {
      throw new ValidationError('RedisSettingsStore needs { connection }', [
        { path: 'connection', message: 'a redis:// URL, ioredis options or an ioredis client is required' },
      ]);
    }
    const prefix = options.prefix ?? 'phaseq';
    if (prefix.length === 0 || /\s/.test(prefix)) {
      throw new ValidationError('Invalid RedisSettingsStore options', [
        { path: 'prefix', message: 'must be a non-empty string without spaces' },
      ]);
    }
    this.#connection = options.connection;
    this.#hashKey = `${prefix}:settings`;
    this.#versionKey = `${prefix}:settings:version`;
    this.#channel = `${prefix}:settings:changed`;
    this.#subscriberName = `${prefix}:settings:subscriber`;
  }

  async init(): Promise<void> {
    if (this.#opened) return;
    this.#opening ??= this.#open();
    try {
      await this.#opening;
    } finally {
      this.#opening = null;
    }
  }

  async #open(): Promise<void> {
    const opened = await openRedis(this.#connection, 'settings');
    const redis = opened.redis;
    // We resubscribe ourselves after a reconnect, so that we know when it is done.
    // Named so that an operator can tell it apart in CLIENT LIST.
    const sub = redis.duplicate({ lazyConnect: true, autoResubscribe: false, connectionName: this.#subscriberName });
    sub.on('message', (_channel: string, message: string) => {
      if (this.#sub === sub) this.#hear(Number(message));
    });
    sub.on('close', () => {
      if (this.#sub === sub) this.#synced = false;
    });
    sub.on('error', () => {
      // Reconnecting is ioredis's job; meanwhile changeToken() reads the counter itself
      // and reports any error of its own.
    });
    try {
      this.#opened = opened;
      this.#sub = sub;
      await sub.connect();
      await this.#resync(sub);
      sub.on('ready', () => void this.#resync(sub).catch(() => {}));
    } catch (error) {
      this.#opened = null;
      this.#sub = null;
      sub.disconnect();
      await closeRedis(opened);
      throw new StorageError(`Cannot reach Redis for settings: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }

  /**
   * (Re)subscribes, then reads the counter. Only after both is the heard version trusted:
   * a change made before the subscription is in the counter, one made after it arrives
   * as a message, and keeping the maximum makes the order irrelevant.
   */
  async #resync(sub: Redis): Promise<void> {
    this.#synced = false;
    await sub.subscribe(this.#channel);
    const v = Number((await this.#wrap('changeToken', () => this.#client().get(this.#versionKey))) ?? '0');
    if (this.#sub !== sub || sub.status !== 'ready') return;
    this.#hear(v);
    this.#synced = true;
  }

  async close(): Promise<void> {
    const opened = this.#opened;
    const sub = this.#sub;
    this.#opened = null;
    this.#sub = null;
    this.#heard = null;
    this.#synced = false;
    sub?.disconnect();
    if (opened) await closeRedis(opened);
  }

  async getAll(prefix?: string): Promise<Map<string, string>> {
    const p = normalizePrefix(prefix);
    const all = await this.#wrap('getAll', () => this.#client().hgetall(this.#hashKey));
    const out = new Map<string, string>();
    for (const [key, value] of Object.entries(all)) if (key.startsWith(p)) out.set(key, value);
    return out;
  }

  async setMany(entries: SettingsEntries): Promise<void> {
    const pairs = normalizeEntries(entries);
    if (pairs.length === 0) return;
    const redis = this.#client();
    const version = await this.#wrap('setMany', () =>
      redis.eval(SET_MANY, 2, this.#hashKey, this.#versionKey, this.#channel, ...pairs.flat()),
    );
    this.#hear(Number(version));
  }

  async deleteMany(target: SettingsDeleteTarget): Promise<number> {
    const t = normalizeDeleteTarget(target);
    const args = 'prefix' in t ? ['prefix', t.prefix] : ['keys', ...t.keys];
    if ('keys' in t && t.keys.length === 0) return 0;
    const redis = this.#client();
    const reply = await this.#wrap('deleteMany', () => redis.eval(DELETE_MANY, 2, this.#hashKey, this.#versionKey, this.#channel, ...args));
    if (!Array.isArray(reply)) throw new StorageError('Redis deleteMany returned an unexpected reply');
    this.#hear(Number(reply[1]));
    return Number(reply[0]);
  }

  async changeToken(): Promise<string> {
    if (this.#synced && this.#heard !== null) return String(this.#heard);
    // Not synced: a resync after a reconnect failed (e.g. the main connection was still
    // down). Try again in the background; meanwhile read the counter.
    const sub = this.#sub;
    if (sub && sub.status === 'ready' && !this.#resyncing) {
      this.#resyncing = true;
      void this.#resync(sub)
        .catch(() => {})
        .finally(() => (this.#resyncing = false));
    }
    const redis = this.#client();
    const v = Number((await this.#wrap('changeToken', () => redis.get(this.#versionKey))) ?? '0');
    this.#hear(v);
    return String(v);
  }

  /** Versions only grow: keep the highest heard, whatever order messages arrive in. */
  #hear(version: number): void {
    if (!Number.isFinite(version)) return;
    if (this.#heard === null || version > this.#heard) this.#heard = version;
  }

  #client(): Redis {
    if (!this.#opened) throw new StorageError('Redis settings store is not open: call init() first');
    return this.#opened.redis;
  }

  async #wrap<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      const opened = this.#opened;
      return await (opened ? opened.guard.run(fn()) : fn());
    } catch (error) {
      if (error instanceof PhaseqError) throw error;
      throw new StorageError(`Redis settings ${op} failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }
}
