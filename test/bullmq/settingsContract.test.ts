/**
 * The shared settings-store suite, run on RedisSettingsStore: a fresh key prefix per
 * store, every prefix deleted afterwards.
 */
import { afterAll } from 'vitest';
import { RedisSettingsStore } from '../../src/backends/redis/settings.js';
import { testSettingsStore } from '../settings/storeSuite.js';
import { deletePrefix, freshPrefix, REDIS_URL, redisSkipReason } from './redisTestEnv.js';

const skip = await redisSkipReason();

if (skip === null) {
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const prefix of prefixes) await deletePrefix(prefix);
  });
  const prefixOf = new WeakMap<object, string>();
  testSettingsStore(
    'redis',
    async () => {
      const prefix = freshPrefix();
      prefixes.push(prefix);
      const store = new RedisSettingsStore({ connection: REDIS_URL, prefix });
      await store.init();
      prefixOf.set(store, prefix);
      return store;
    },
    async (store) => {
      const other = new RedisSettingsStore({ connection: REDIS_URL, prefix: prefixOf.get(store)! });
      await other.init();
      return other;
    },
  );
} else {
  const { describe, it } = await import('vitest');
  describe.skip(`settings store contract: redis — skipped: ${skip}`, () => {
    it('needs Redis', () => {});
  });
}
