/**
 * RedisSettingsStore on a real Redis: the settings-store contract, and change notification
 * across stores (as two processes would hold them) through the version counter and pub/sub.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { PhaseConfigService } from '../../src/phases/PhaseConfigService.js';
import { RedisSettingsStore } from '../../src/backends/redis/settings.js';
import { deletePrefix, freshPrefix, REDIS_URL, redisSkipReason } from './redisTestEnv.js';
import { MEDIA_PHASE_SCHEMAS } from '../../src/media/phases.js';

const skip = await redisSkipReason();

describe.skipIf(skip !== null)(`RedisSettingsStore${skip ? ` — skipped: ${skip}` : ''}`, () => {
  let prefix: string;
  let a: RedisSettingsStore;
  let b: RedisSettingsStore;

  beforeEach(async () => {
    prefix = freshPrefix();
    a = new RedisSettingsStore({ connection: REDIS_URL, prefix });
    b = new RedisSettingsStore({ connection: REDIS_URL, prefix });
    await Promise.all([a.init(), b.init()]);
  });

  afterEach(async () => {
    await Promise.all([a.close(), b.close()]);
    await deletePrefix(prefix);
  });

  it('stores, reads by literal prefix and deletes', async () => {
    await a.setMany({ 'phase.scan.minFileSizeMB': '50', 'phase.scan*x': '1', 'phase.publish.trailers': 'true' });
    expect(await b.getAll('phase.scan')).toEqual(
      new Map([
        ['phase.scan.minFileSizeMB', '50'],
        ['phase.scan*x', '1'],
      ]),
    );
    expect(await b.deleteMany({ prefix: 'phase.scan*' })).toBe(1);
    expect(await b.deleteMany(['phase.publish.trailers', 'missing'])).toBe(1);
    expect(await a.getAll()).toEqual(new Map([['phase.scan.minFileSizeMB', '50']]));
  });

  it('rejects bad input before writing anything', async () => {
    await expect(
      a.setMany([
        ['ok', 'v'],
        ['bad', 5 as unknown as string],
      ]),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(a.deleteMany({ prefix: '' })).rejects.toBeInstanceOf(ValidationError);
    expect(await a.getAll()).toEqual(new Map());
  });

  it("moves the other store's change token when a setting changes, and only then", async () => {
    const before = await b.changeToken();
    await a.setMany({ k: 'v1' });
    await expect.poll(() => b.changeToken(), { timeout: 5000 }).not.toBe(before);
    const afterSet = await b.changeToken();
    expect(await a.changeToken()).toBe(afterSet);

    await a.setMany({ k: 'v1' }); // same value: no change
    expect(await a.changeToken()).toBe(afterSet);

    await a.deleteMany(['k']);
    await expect.poll(() => b.changeToken(), { timeout: 5000 }).not.toBe(afterSet);
    const afterDelete = await b.changeToken();
    await a.deleteMany(['k']); // nothing to delete: no change
    expect(await a.changeToken()).toBe(afterDelete);
  });

  it('hears changes made while its subscription was cut, once it reconnects', async () => {
    const admin = new Redis(REDIS_URL);
    try {
      const before = await b.changeToken();
      const list = String(await admin.call('CLIENT', 'LIST'));
      const ids = list
        .split('\n')
        .filter((line) => line.includes(` name=${prefix}:settings:subscriber `))
        .map((line) => /id=(\d+)/.exec(line)?.[1]);
      expect(ids.length).toBe(2);
      for (const id of ids) await admin.call('CLIENT', 'KILL', 'ID', String(id));
      await a.setMany({ k: 'while-cut' });
      await expect.poll(() => b.changeToken(), { timeout: 5000 }).not.toBe(before);
      // After the reconnect, later changes arrive by message again.
      const mid = await b.changeToken();
      await a.setMany({ k: 'after' });
      await expect.poll(() => b.changeToken(), { timeout: 5000 }).not.toBe(mid);
    } finally {
      admin.disconnect();
    }
  });

  it('a phase setting changed on one node is what PhaseConfigService reads on another', async () => {
    const nodeA = new PhaseConfigService({ phases: MEDIA_PHASE_SCHEMAS, store: a });
    const nodeB = new PhaseConfigService({ phases: MEDIA_PHASE_SCHEMAS, store: b });
    expect((await nodeB.getConfig('enrichment')).maxPoster).toBe(nodeB.defaults.enrichment.maxPoster);
    await nodeA.set('enrichment.maxPoster', 9);
    await expect.poll(async () => (await nodeB.getConfig('enrichment')).maxPoster, { timeout: 5000 }).toBe(9);
  });

  it('concurrent init() calls open one connection', async () => {
    const c = new RedisSettingsStore({ connection: REDIS_URL, prefix });
    await Promise.all([c.init(), c.init()]);
    try {
      await c.setMany({ k: 'v' });
      expect(await a.getAll()).toEqual(new Map([['k', 'v']]));
    } finally {
      await c.close();
    }
  });

  it('a store opened later starts from the current version', async () => {
    await a.setMany({ k: 'v' });
    const c = new RedisSettingsStore({ connection: REDIS_URL, prefix });
    await c.init();
    try {
      expect(await c.changeToken()).toBe(await a.changeToken());
    } finally {
      await c.close();
    }
  });
});
