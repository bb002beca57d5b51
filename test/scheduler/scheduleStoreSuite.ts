/**
 * The schedule store contract suite: every IScheduleStore must pass it unchanged. It drives
 * the store directly (no scheduler), so a failure names the store method that breaks the
 * rules written in src/scheduler/ScheduleStore.ts.
 *
 * Usage: `runScheduleStoreContract('sqlite', async () => ({ store, peer, cleanup }), { shared: true })`,
 * where `peer` is a second store instance on the same backing (another process's view), or
 * null for a store that only one process can see (memory, `shared: false`).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IScheduleStore, ScheduleDefinition } from '../../src/scheduler/ScheduleStore.js';
import { NEVER } from '../../src/scheduler/ticks.js';

/** Creates a fresh, empty store for one test, and how to dispose of it. */
export type ScheduleStoreFactory = () => Promise<{
  store: IScheduleStore;
  peer: IScheduleStore | null;
  cleanup: () => Promise<void> | void;
}>;

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const MIN = 60_000;

/** A valid definition with overrides. */
export function definition(overrides: Partial<ScheduleDefinition> = {}): ScheduleDefinition {
  return {
    name: 'nightly',
    cron: '0 3 * * *',
    everyMs: null,
    tz: 'Europe/Paris',
    catchUp: false,
    jobType: 'report',
    payloadJson: JSON.stringify({ kind: 'daily' }),
    priority: 5,
    ...overrides,
  };
}

/**
 * Registers the suite. `shared`: the factory gives a `peer` (a store several processes
 * share), and the tests that need one run.
 */
export function runScheduleStoreContract(name: string, factory: ScheduleStoreFactory, { shared }: { shared: boolean }): void {
  describe(`schedule store contract: ${name}`, () => {
    let store: IScheduleStore;
    let peer: IScheduleStore | null;
    let cleanup: () => Promise<void> | void;

    beforeEach(async () => {
      ({ store, peer, cleanup } = await factory());
      await store.init();
      await store.init(); // idempotent
      await peer?.init();
    });
    afterEach(async () => {
      await cleanup();
    });

    it('creates a schedule as declared: no last tick, next run at firstRunAt, created and updated now', async () => {
      expect(await store.get('nightly')).toBeNull();
      expect(await store.list()).toEqual([]);
      expect(await store.upsert(definition(), T0 + MIN, T0)).toBe('created');
      const expected = { ...definition(), lastTick: null, nextRunAt: T0 + MIN, createdAt: T0, updatedAt: T0 };
      expect(await store.get('nightly')).toEqual(expected);
      expect(await store.list()).toEqual([expected]);
      const interval = definition({ name: 'every-minute', cron: null, everyMs: MIN, tz: null, catchUp: true, priority: 1 });
      expect(await store.upsert(interval, T0 + MIN, T0)).toBe('created');
      expect(await store.get('every-minute')).toEqual({ ...interval, lastTick: null, nextRunAt: T0 + MIN, createdAt: T0, updatedAt: T0 });
    });

    it('the same definition again changes nothing: its next run time and last tick survive', async () => {
      await store.upsert(definition(), T0 + MIN, T0);
      expect(await store.advance('nightly', T0 + MIN, T0 + MIN, T0 + 2 * MIN, T0 + MIN)).toBe(true);
      const before = await store.get('nightly');
      expect(await store.upsert(definition(), T0 + 9 * MIN, T0 + 5 * MIN)).toBe('unchanged');
      expect(await store.get('nightly')).toEqual(before);
    });

    it('a changed definition replaces the old one, restarts at firstRunAt, keeps lastTick and createdAt', async () => {
      const changes: Partial<ScheduleDefinition>[] = [
        { cron: '0 4 * * *' },
        { cron: null, everyMs: MIN, tz: null },
        { cron: null, everyMs: 2 * MIN, tz: null },
        { tz: 'UTC' },
        { tz: null },
        { catchUp: true },
        { jobType: 'other' },
        { payloadJson: JSON.stringify({ kind: 'weekly' }) },
        { priority: 9 },
      ];
      await store.upsert(definition(), T0 + MIN, T0);
      await store.advance('nightly', T0 + MIN, T0 + MIN, T0 + 2 * MIN, T0 + MIN);
      let at = T0 + 10 * MIN;
      for (const change of changes) {
        at += MIN;
        const def = definition(change);
        expect(await store.upsert(def, at + 30 * MIN, at), JSON.stringify(change)).toBe('updated');
        expect(await store.get('nightly'), JSON.stringify(change)).toEqual({
          ...def,
          lastTick: T0 + MIN,
          nextRunAt: at + 30 * MIN,
          createdAt: T0,
          updatedAt: at,
        });
        // Back to the original for the next change, so each one is compared with it.
        expect(await store.upsert(definition(), at + 40 * MIN, at)).toBe('updated');
      }
    });

    it('advance is a compare-and-set on nextRunAt', async () => {
      await store.upsert(definition(), T0 + MIN, T0);
      // Not what is stored: nothing changes.
      expect(await store.advance('nightly', T0, T0, T0 + 2 * MIN, T0 + MIN)).toBe(false);
      expect(await store.get('nightly')).toMatchObject({ lastTick: null, nextRunAt: T0 + MIN, updatedAt: T0 });
      // What is stored: moves, once.
      expect(await store.advance('nightly', T0 + MIN, T0 + MIN, T0 + 2 * MIN, T0 + MIN + 5)).toBe(true);
      expect(await store.advance('nightly', T0 + MIN, T0 + MIN, T0 + 2 * MIN, T0 + MIN + 6)).toBe(false);
      expect(await store.get('nightly')).toMatchObject({ lastTick: T0 + MIN, nextRunAt: T0 + 2 * MIN, updatedAt: T0 + MIN + 5 });
      // A skipped tick (tick null) moves nextRunAt and leaves lastTick.
      expect(await store.advance('nightly', T0 + 2 * MIN, null, T0 + 12 * MIN, T0 + 11 * MIN)).toBe(true);
      expect(await store.get('nightly')).toMatchObject({ lastTick: T0 + MIN, nextRunAt: T0 + 12 * MIN, updatedAt: T0 + 11 * MIN });
      // Unknown schedules never advance.
      expect(await store.advance('nope', T0 + MIN, T0 + MIN, T0 + 2 * MIN, T0)).toBe(false);
      expect(await store.get('nope')).toBeNull();
    });

    it('of many concurrent advances from one nextRunAt, exactly one wins', async () => {
      await store.upsert(definition(), T0 + MIN, T0);
      const stores = shared && peer ? [store, peer] : [store];
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => stores[i % stores.length]!.advance('nightly', T0 + MIN, T0 + MIN, T0 + 2 * MIN, T0 + MIN + i)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.get('nightly')).toMatchObject({ lastTick: T0 + MIN, nextRunAt: T0 + 2 * MIN });
    });

    it('remove deletes a schedule once; declaring it again starts afresh', async () => {
      await store.upsert(definition(), T0 + MIN, T0);
      await store.advance('nightly', T0 + MIN, T0 + MIN, T0 + 2 * MIN, T0 + MIN);
      expect(await store.remove('nightly')).toBe(true);
      expect(await store.remove('nightly')).toBe(false);
      expect(await store.get('nightly')).toBeNull();
      expect(await store.list()).toEqual([]);
      expect(await store.advance('nightly', T0 + 2 * MIN, T0 + 2 * MIN, T0 + 3 * MIN, T0 + 2 * MIN)).toBe(false);
      expect(await store.upsert(definition(), T0 + 5 * MIN, T0 + 4 * MIN)).toBe('created');
      expect(await store.get('nightly')).toMatchObject({ lastTick: null, nextRunAt: T0 + 5 * MIN, createdAt: T0 + 4 * MIN });
    });

    it('lists by name and hands out copies', async () => {
      for (const n of ['b-2', 'a:1', 'C.3', 'a.0']) await store.upsert(definition({ name: n }), T0 + MIN, T0);
      const list = await store.list();
      expect(list.map((s) => s.name)).toEqual(['C.3', 'a.0', 'a:1', 'b-2']);
      list[0]!.nextRunAt = 0;
      const got = await store.get('C.3');
      got!.priority = 1;
      expect(await store.get('C.3')).toMatchObject({ nextRunAt: T0 + MIN, priority: 5 });
    });

    it('keeps values exactly: the far-future NEVER, payloads with any characters', async () => {
      const payloadJson = JSON.stringify({
        s: 'quote " backslash \\ newline \n unicode é 🎬 nul \u0000',
        n: 1.5e-7,
        big: 9007199254740991,
      });
      const def = definition({ name: 'odd', payloadJson });
      await store.upsert(def, NEVER, T0);
      expect(await store.get('odd')).toMatchObject({ payloadJson, nextRunAt: NEVER });
      expect(await store.upsert(def, T0, T0 + 1)).toBe('unchanged');
      expect(await store.advance('odd', NEVER, T0 + 123_456, NEVER, T0 + 2)).toBe(true);
      expect(await store.get('odd')).toMatchObject({ lastTick: T0 + 123_456, nextRunAt: NEVER });
    });

    // Only backings that two store instances can share (a file, a Redis server) have this
    // test; a memory store is one process's own by design.
    if (shared)
      it('a second instance on the same backing sees the same schedules and the same compare-and-set', async () => {
        if (!peer) throw new Error('a shared store needs a peer');
        await store.upsert(definition(), T0 + MIN, T0);
        expect(await peer.upsert(definition(), T0 + 3 * MIN, T0 + 2 * MIN)).toBe('unchanged');
        expect(await peer.list()).toEqual(await store.list());
        expect(await peer.advance('nightly', T0 + MIN, T0 + MIN, T0 + 2 * MIN, T0 + MIN)).toBe(true);
        expect(await store.advance('nightly', T0 + MIN, T0 + MIN, T0 + 2 * MIN, T0 + MIN)).toBe(false);
        expect(await store.get('nightly')).toMatchObject({ lastTick: T0 + MIN, nextRunAt: T0 + 2 * MIN });
        expect(await peer.remove('nightly')).toBe(true);
        expect(await store.get('nightly')).toBeNull();
      });
  });
}
