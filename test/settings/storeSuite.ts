/**
 * The shared settings-store suite: every ISettingsStore backend must pass it unchanged.
 * A backend's test file calls `testSettingsStore(name, open, share)` with a factory that
 * returns a fresh, empty, initialised store, and, for a backend whose data outlives one
 * instance (a SQLite file, Redis keys), `share`: a second store over the same data, as
 * another process would open it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import type { ISettingsStore } from '../../src/settings/types.js';

export function testSettingsStore(
  name: string,
  open: () => Promise<ISettingsStore>,
  share?: (store: ISettingsStore) => Promise<ISettingsStore>,
): void {
  describe(`settings store contract: ${name}`, () => {
    const opened: ISettingsStore[] = [];
    async function fresh(): Promise<ISettingsStore> {
      const store = await open();
      opened.push(store);
      return store;
    }

    // A store of this process only (memory) has no second instance over its data.
    it.skipIf(!share)('a change made through another store over the same data is read here, and moves this change token', async () => {
      const store = await fresh();
      const other = await share!(store);
      opened.push(other);
      const t0 = await store.changeToken();
      await other.setMany({ 'phase.scan.depth': '3', b: 'x' });
      expect(await store.getAll('phase.')).toEqual(new Map([['phase.scan.depth', '3']]));
      const t1 = await store.changeToken();
      expect(t1).not.toBe(t0);
      await other.deleteMany({ prefix: 'phase.' });
      expect(await store.getAll()).toEqual(new Map([['b', 'x']]));
      expect(await store.changeToken()).not.toBe(t1);
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });

    it('starts empty and returns what was written', async () => {
      const store = await fresh();
      expect(await store.getAll()).toEqual(new Map());
      await store.setMany({ 'phase.scan.minFileSizeMB': '50', 'other.key': 'x' });
      expect(await store.getAll()).toEqual(
        new Map([
          ['other.key', 'x'],
          ['phase.scan.minFileSizeMB', '50'],
        ]),
      );
    });

    it('accepts a Map or [key, value] pairs, the last value winning', async () => {
      const store = await fresh();
      await store.setMany(new Map([['a', '1']]));
      await store.setMany([
        ['b', '1'],
        ['b', '2'],
      ]);
      expect(await store.getAll()).toEqual(
        new Map([
          ['a', '1'],
          ['b', '2'],
        ]),
      );
    });

    it('reads by literal prefix: wildcard characters in keys or prefix match only themselves', async () => {
      const store = await fresh();
      await store.setMany({
        'phase.scan.a': '1',
        'phase.scanner.b': '2',
        'phaseXscan.c': '3',
        'we*ird.key': '4',
        'weXird.key': '5',
        'q?.k': '6',
        'q[x].k': '7',
        a_b: '8',
        'a%b': '9',
        'PHASE.scan.d': '10',
      });
      expect([...(await store.getAll('phase.scan.')).keys()]).toEqual(['phase.scan.a']);
      expect([...(await store.getAll('we*')).keys()]).toEqual(['we*ird.key']);
      expect([...(await store.getAll('q?')).keys()]).toEqual(['q?.k']);
      expect([...(await store.getAll('q[x]')).keys()]).toEqual(['q[x].k']);
      expect([...(await store.getAll('a_')).keys()]).toEqual(['a_b']);
      expect([...(await store.getAll('a%')).keys()]).toEqual(['a%b']);
      expect((await store.getAll('nothing.')).size).toBe(0);
    });

    it('returns a copy the caller may change', async () => {
      const store = await fresh();
      await store.setMany({ k: 'v' });
      const all = await store.getAll();
      all.set('k', 'changed');
      expect((await store.getAll()).get('k')).toBe('v');
    });

    it('rejects bad entries with ValidationError and stores none of the batch', async () => {
      const store = await fresh();
      await store.setMany({ keep: 'old' });
      const token = await store.changeToken();
      const bad: unknown[] = [
        [
          ['keep', 'new'],
          ['', 'x'],
        ],
        [
          ['keep', 'new'],
          ['n', 4],
        ],
        [
          ['keep', 'new'],
          ['x'.repeat(600), 'v'],
        ],
        [['keep', 'new'], 'not a pair'],
        null,
      ];
      for (const entries of bad) {
        // Deliberately malformed input, as untyped callers (HTTP, argv) could send it.
        await expect(store.setMany(entries as never)).rejects.toBeInstanceOf(ValidationError);
      }
      expect(await store.getAll()).toEqual(new Map([['keep', 'old']]));
      expect(await store.changeToken()).toBe(token);
    });

    it('names the offending key in the error', async () => {
      const store = await fresh();
      const error: unknown = await store.setMany([['phase.x', 1 as unknown as string]]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([{ path: 'phase.x', message: expect.stringContaining('must be a string') }]);
    });

    it('deletes by keys and by prefix, and reports how many existed', async () => {
      const store = await fresh();
      await store.setMany({ 'p.a': '1', 'p.b': '2', 'q.a': '3', 'p*': '4' });
      expect(await store.deleteMany(['p.a', 'missing', 'p.a'])).toBe(1);
      expect(await store.deleteMany({ prefix: 'p.' })).toBe(1);
      expect(await store.getAll()).toEqual(
        new Map([
          ['p*', '4'],
          ['q.a', '3'],
        ]),
      );
      expect(await store.deleteMany({ prefix: 'zzz' })).toBe(0);
    });

    it('refuses an empty prefix or malformed targets for deleteMany', async () => {
      const store = await fresh();
      await store.setMany({ a: '1' });
      await expect(store.deleteMany({ prefix: '' })).rejects.toBeInstanceOf(ValidationError);
      await expect(store.deleteMany({} as never)).rejects.toBeInstanceOf(ValidationError);
      await expect(store.deleteMany([''])).rejects.toBeInstanceOf(ValidationError);
      expect((await store.getAll()).size).toBe(1);
    });

    it('moves the change token on every change, and only then', async () => {
      const store = await fresh();
      const t0 = await store.changeToken();
      expect(await store.changeToken()).toBe(t0);
      await store.setMany({ a: '1' });
      const t1 = await store.changeToken();
      expect(t1).not.toBe(t0);
      await store.setMany({ a: '1' }); // same value: not a change
      expect(await store.changeToken()).toBe(t1);
      await store.setMany({ a: '2' });
      const t2 = await store.changeToken();
      expect(t2).not.toBe(t1);
      await store.deleteMany(['nothing-here']);
      expect(await store.changeToken()).toBe(t2);
      await store.deleteMany(['a']);
      expect(await store.changeToken()).not.toBe(t2);
    });

    it('treats an empty batch as no change', async () => {
      const store = await fresh();
      const t0 = await store.changeToken();
      await store.setMany({});
      expect(await store.changeToken()).toBe(t0);
    });
  });
}
