import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { DEFAULT_PHASE_CONFIG } from '../../src/media/phases.js';
import type { PhaseConfigChange } from '../../src/phases/events.js';
import { PhaseConfigService } from '../../src/phases/PhaseConfigService.js';
import { MemorySettingsStore } from '../../src/backends/memory/settings.js';
import { SQLiteSettingsStore } from '../../src/backends/sqlite/settings.js';
import type { ISettingsStore, SettingsDeleteTarget, SettingsEntries } from '../../src/settings/types.js';
import { MEDIA_PHASE_SCHEMAS } from '../../src/media/phases.js';

const dirs: string[] = [];
const services: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A real store that counts the calls made to it (to prove what the cache saves). */
class CountingStore implements ISettingsStore {
  readonly name: string;
  calls = { getAll: 0, setMany: 0, changeToken: 0 };
  constructor(readonly inner: ISettingsStore) {
    this.name = inner.name;
  }
  init() {
    return this.inner.init();
  }
  close() {
    return this.inner.close();
  }
  getAll(prefix?: string) {
    this.calls.getAll++;
    return this.inner.getAll(prefix);
  }
  setMany(entries: SettingsEntries) {
    this.calls.setMany++;
    return this.inner.setMany(entries);
  }
  deleteMany(target: SettingsDeleteTarget) {
    return this.inner.deleteMany(target);
  }
  changeToken() {
    this.calls.changeToken++;
    return this.inner.changeToken();
  }
}

interface Backend {
  name: string;
  /** Opens a store; stores opened with the same `shared` see the same settings. */
  open(shared: string): ISettingsStore;
}

const memoryStores = new Map<string, MemorySettingsStore>();
const backends: Backend[] = [
  {
    name: 'memory',
    open: (shared) => {
      let store = memoryStores.get(shared);
      if (!store) memoryStores.set(shared, (store = new MemorySettingsStore()));
      return store;
    },
  },
  { name: 'sqlite', open: (shared) => new SQLiteSettingsStore({ filename: shared }) },
];

function sharedName(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phaseq-phases-'));
  dirs.push(dir);
  return path.join(dir, 'phaseq.db');
}

function track<T extends { close(): Promise<void> }>(service: T): T {
  services.push(service);
  return service;
}

async function rejection(promise: Promise<unknown>): Promise<ValidationError> {
  const error: unknown = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe.each(backends)('PhaseConfigService on $name', (backend) => {
  function setup() {
    const shared = sharedName();
    const store = new CountingStore(backend.open(shared));
    const phases = track(new PhaseConfigService({ phases: MEDIA_PHASE_SCHEMAS, store }));
    const other = () => track(new PhaseConfigService({ phases: MEDIA_PHASE_SCHEMAS, store: backend.open(shared) }));
    const stored = async () => {
      await store.init();
      return store.inner.getAll('phase.');
    };
    return { store, phases, other, stored };
  }

  it('returns the defaults before anything is set', async () => {
    const { phases } = setup();
    expect(await phases.getAll()).toEqual(DEFAULT_PHASE_CONFIG);
    expect(await phases.getConfig('enrichment')).toEqual(DEFAULT_PHASE_CONFIG.enrichment);
  });

  it('sets one value, by phase.key or phase.<phase>.<key>, stored as the design text', async () => {
    const { phases, stored } = setup();
    await phases.set('enrichment.maxPoster', 4);
    expect((await phases.getConfig('enrichment')).maxPoster).toBe(4);
    await phases.set('phase.enrichment.maxPoster', 6);
    expect((await phases.getConfig('enrichment')).maxPoster).toBe(6);
    await phases.set('publish.trailers', true);
    await phases.set('scan.videoExtensions', ['mkv', 'MP4']);
    await phases.set('enrichment.language', 'DE');
    const s = await stored();
    expect(s.get('phase.enrichment.maxPoster')).toBe('6');
    expect(s.get('phase.publish.trailers')).toBe('true');
    expect(s.get('phase.scan.videoExtensions')).toBe('["mkv","mp4"]');
    expect(s.get('phase.enrichment.language')).toBe('de');
  });

  it('coerces strings from HTTP or argv where unambiguous', async () => {
    const { phases } = setup();
    await phases.set('enrichment.maxPoster', '4');
    await phases.set('publish.assets', 'false');
    await phases.set('playerSync.cleanFirst', ' TRUE ');
    await phases.set('scan.minFileSizeMB', '12.5');
    await phases.set('scan.ignorePatterns', '["**/extras/**", "*.{nfo,txt}"]');
    const all = await phases.getAll();
    expect(all.enrichment.maxPoster).toBe(4);
    expect(all.publish.assets).toBe(false);
    expect(all.playerSync.cleanFirst).toBe(true);
    expect(all.scan.minFileSizeMB).toBe(12.5);
    expect(all.scan.ignorePatterns).toEqual(['**/extras/**', '*.{nfo,txt}']);
  });

  it.each([
    ['publish.assets', 'yes', /publish\.assets: must be true or false, not the text "yes"/],
    ['publish.assets', '1', /must be true or false, not the text "1"/],
    ['enrichment.maxPoster', '4 posters', /enrichment\.maxPoster: must be a number, not the text "4 posters"/],
    ['enrichment.maxPoster', '', /must be a number, not empty text/],
    ['scan.ignorePatterns', '**/a/**,**/b/**', /must be a list, not the text/],
    ['scan.ignorePatterns', '["unclosed"', /not valid JSON/],
  ])('does not guess: %s = %j is rejected', async (key, value, rule) => {
    const { phases, stored } = setup();
    const before = await stored();
    const error = await rejection(phases.set(key, value));
    expect(error.issues[0]?.path).toBe(key);
    expect(error.message).toMatch(rule);
    expect(await stored()).toEqual(before);
  });

  it('rejects wrong types and out-of-range values naming the key and the rule; nothing is stored', async () => {
    const { phases, store, stored } = setup();
    await phases.getAll();
    const before = await stored();
    const token = await store.inner.changeToken();
    const cases: [string, unknown, RegExp][] = [
      ['enrichment.maxPoster', 51, /must be at most 50/],
      ['enrichment.maxPoster', -1, /must be at least 0/],
      ['enrichment.maxPoster', 2.5, /must be a whole number, not 2\.5/],
      ['playerSync.delaySeconds', 3601, /must be at most 3600/],
      ['enrichment.minResolution', 9000, /must be at most 8640/],
      ['enrichment.language', 'english', /ISO 639-1/],
      ['publish.actors', null, /must be true or false, not null/],
      ['scan.videoExtensions', [], /at least one extension/],
      ['scan.minFileSizeMB', 200_000, /must not exceed maxFileSizeGB/],
    ];
    for (const [key, value, rule] of cases) {
      const error = await rejection(phases.set(key, value));
      expect(error.message, key).toContain(key);
      expect(error.message, key).toMatch(rule);
      expect(
        error.issues.some((i) => i.path.startsWith(key)),
        key,
      ).toBe(true);
    }
    expect(await stored()).toEqual(before);
    expect(await store.inner.changeToken()).toBe(token);
    expect(await phases.getAll()).toEqual(DEFAULT_PHASE_CONFIG);
  });

  it('rejects unknown phases and keys, naming what exists', async () => {
    const { phases, stored } = setup();
    const before = await stored();
    expect((await rejection(phases.set('enrich.maxPoster', 1))).message).toMatch(
      /unknown phase "enrich"; the phases are scan, enrichment, publish, playerSync/,
    );
    expect((await rejection(phases.set('enrichment.maxPosters', 1))).message).toMatch(/maxPoster, maxFanart/);
    expect((await rejection(phases.set('enrichment', 1))).message).toMatch(/name a setting/);
    expect((await rejection(phases.set('', 1))).issues).toHaveLength(1);
    await rejection(phases.set('enrichment.maxPoster', undefined));
    await rejection(phases.set('enrichment.__proto__', 1));
    await rejection(phases.set('toString.x', 1));
    // @ts-expect-error: not a phase
    await rejection(phases.getConfig('general'));
    expect(await stored()).toEqual(before);
  });

  it('rejects workflow.* keys with the phase settings that replace them', async () => {
    const { phases, stored } = setup();
    const before = await stored();
    const publishing = await rejection(phases.set('workflow.publishing', 'false'));
    expect(publishing.message).toMatch(/workflow control no longer exists/);
    expect(publishing.message).toContain('publish.assets, publish.actors, publish.trailers');
    const enrichment = await rejection(phases.set('workflow.enrichment', false));
    expect(enrichment.message).toContain('enrichment.fetchProviderAssets');
    const scanning = await rejection(phases.set('workflow.scanning', false));
    expect(scanning.message).toContain('scan.ignorePatterns');
    const unknown = await rejection(phases.set('workflow.something_else', false));
    for (const key of ['scan.minFileSizeMB', 'enrichment.maxPoster', 'publish.actors', 'playerSync.notify']) {
      expect(unknown.message).toContain(key);
    }
    await rejection(phases.set('phase.workflow.scanning', true));
    expect(await stored()).toEqual(before);
  });

  it('setPhase writes all fields or none', async () => {
    const { phases, stored } = setup();
    const result = await phases.setPhase('publish', { assets: false, trailers: 'true' });
    expect(result).toEqual({ assets: false, actors: true, trailers: true });
    const before = await stored();
    const error = await rejection(phases.setPhase('publish', { assets: true, actors: 'maybe', trailer: false } as never));
    expect(error.issues.map((i) => i.path).sort()).toEqual(['publish.actors', 'publish.trailer']);
    expect(await stored()).toEqual(before);
    expect((await phases.getConfig('publish')).assets).toBe(false);
    await rejection(phases.setPhase('publish', null as never));
    await rejection(phases.setPhase('publish', [] as never));
    // @ts-expect-error: not a phase
    await rejection(phases.setPhase('nope', {}));
  });

  it('setPhase validates cross-field rules on the result', async () => {
    const { phases } = setup();
    await rejection(phases.setPhase('scan', { maxFileSizeGB: '1', minFileSizeMB: '2000' }));
    await phases.setPhase('scan', { maxFileSizeGB: 1, minFileSizeMB: 1000 });
    await rejection(phases.set('scan.maxFileSizeGB', 0.5));
    expect(await phases.getConfig('scan')).toMatchObject({ maxFileSizeGB: 1, minFileSizeMB: 1000 });
  });

  it('resets one phase or all phases to the defaults', async () => {
    const { phases, stored } = setup();
    await phases.setPhase('publish', { assets: false });
    await phases.set('enrichment.maxPoster', 9);
    await phases.resetToDefaults('publish');
    expect(await phases.getConfig('publish')).toEqual(DEFAULT_PHASE_CONFIG.publish);
    expect((await phases.getConfig('enrichment')).maxPoster).toBe(9);
    expect((await stored()).get('phase.publish.assets')).toBe('true');
    await phases.resetToDefaults();
    expect(await phases.getAll()).toEqual(DEFAULT_PHASE_CONFIG);
    // @ts-expect-error: not a phase
    await rejection(phases.resetToDefaults('workflow'));
  });

  it("emits 'changed' once per changed setting, after it is stored", async () => {
    const { phases, stored } = setup();
    const events: PhaseConfigChange<typeof DEFAULT_PHASE_CONFIG>[] = [];
    phases.on('changed', (change) => {
      events.push(change);
    });
    await phases.set('enrichment.maxPoster', 4);
    await phases.set('enrichment.maxPoster', '4'); // same value: no event
    await phases.setPhase('publish', { assets: false, actors: true });
    expect(events).toEqual([
      { phase: 'enrichment', field: 'maxPoster', key: 'enrichment.maxPoster', previous: 3, value: 4, origin: 'local' },
      { phase: 'publish', field: 'assets', key: 'publish.assets', previous: true, value: false, origin: 'local' },
    ]);
    expect((await stored()).get('phase.publish.assets')).toBe('false');
    events.length = 0;
    await phases.resetToDefaults();
    expect(events.map((e) => `${e.key}=${String(e.value)}`).sort()).toEqual(['enrichment.maxPoster=3', 'publish.assets=true']);
  });

  it('serves getAll from the cache: one store read for many jobs', async () => {
    const { phases, store } = setup();
    const first = await phases.getAll();
    for (let i = 0; i < 100; i++) await phases.getConfig('enrichment');
    expect(store.calls.getAll).toBe(1);
    expect(store.calls.changeToken).toBe(101);
    expect(await phases.getAll()).toBe(first);
    await phases.set('publish.trailers', true);
    const reads = store.calls.getAll;
    await phases.getAll();
    await phases.getAll();
    expect(store.calls.getAll).toBe(reads + 1);
  });

  it('returns frozen settings that callers cannot change by accident', async () => {
    const { phases } = setup();
    const scan = await phases.getConfig('scan');
    expect(Object.isFrozen(scan)).toBe(true);
    expect(() => {
      scan.videoExtensions.push('x');
    }).toThrow(TypeError);
  });

  it("sees another service's change on the next read and reports it as external", async () => {
    const { phases, other } = setup();
    expect((await phases.getConfig('playerSync')).delaySeconds).toBe(0);
    const events: unknown[] = [];
    phases.on('changed', (change) => events.push(change));
    await other().set('playerSync.delaySeconds', 30);
    expect((await phases.getConfig('playerSync')).delaySeconds).toBe(30);
    expect(events).toEqual([
      {
        phase: 'playerSync',
        field: 'delaySeconds',
        key: 'playerSync.delaySeconds',
        previous: 0,
        value: 30,
        origin: 'external',
      },
    ]);
  });

  it('applies concurrent sets one after another, losing none', async () => {
    const { phases } = setup();
    await Promise.all([
      phases.set('enrichment.maxPoster', 10),
      phases.set('enrichment.maxFanart', 11),
      phases.set('enrichment.maxLogo', 12),
      phases.setPhase('publish', { trailers: true }),
      phases.set('scan.maxFileSizeGB', 1),
      phases.set('scan.minFileSizeMB', 500),
    ]);
    const all = await phases.getAll();
    expect(all.enrichment).toMatchObject({ maxPoster: 10, maxFanart: 11, maxLogo: 12 });
    expect(all.publish.trailers).toBe(true);
    expect(all.scan).toMatchObject({ maxFileSizeGB: 1, minFileSizeMB: 500 });
  });

  it('refuses stored values that break their rule, naming the key', async () => {
    const { phases, store } = setup();
    await store.init();
    await store.inner.setMany({ 'phase.enrichment.maxPoster': 'lots', 'phase.publish.assets': 'maybe' });
    const error = await rejection(phases.getAll());
    expect(error.issues.map((i) => i.path).sort()).toEqual(['enrichment.maxPoster', 'publish.assets']);
    expect(error.message).toMatch(/resetToDefaults/);
    await store.inner.setMany({ 'phase.enrichment.maxPoster': '500' });
    await store.inner.deleteMany(['phase.publish.assets']);
    expect((await rejection(phases.getAll())).message).toMatch(/enrichment\.maxPoster: stored value: must be at most 50/);
    await phases.resetToDefaults('enrichment');
    expect(await phases.getAll()).toEqual(DEFAULT_PHASE_CONFIG);
  });

  it('ignores stored keys that configure nothing (left by older releases)', async () => {
    const { phases, store } = setup();
    await store.init();
    await store.inner.setMany({ 'phase.general.autoPublish': 'true', 'phase.enrichment.scrapeProviders': 'x' });
    expect(await phases.getAll()).toEqual(DEFAULT_PHASE_CONFIG);
  });
});
