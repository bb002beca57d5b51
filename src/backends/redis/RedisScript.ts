/**
 * RedisScript: one Lua script run by its SHA1 (EVALSHA), sending the source only when
 * the server does not have it yet (first use, or after a restart / SCRIPT FLUSH).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Values a script accepts as ARGV. */
export type ScriptArg = string | number;

/** A Lua script with no declared keys (all keys derive from ARGV[1], the key base). */
export class RedisScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script; loads it first when Redis answers NOSCRIPT. */
  async run(redis: Redis, args: readonly ScriptArg[]): Promise<unknown> {
    // Arguments go as one array, never spread into the call: a batch of 20,000 jobs is
    // 160,000 arguments, more than a JavaScript call stack takes.
    try {
      return await redis.call('EVALSHA', [this.#sha, 0, ...args]);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.call('EVAL', [this.#source, 0, ...args]);
    }
  }
}
