import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { MemorySettingsStore } from '../../src/backends/memory/settings.js';
import { testSettingsStore } from './storeSuite.js';

testSettingsStore('memory', async () => {
  const store = new MemorySettingsStore();
  await store.init();
  return store;
});

describe('MemorySettingsStore', () => {
  it('starts with the initial entries', async () => {
    const store = new MemorySettingsStore({ initial: { 'phase.publish.trailers': 'true' } });
    expect(await store.getAll('phase.')).toEqual(new Map([['phase.publish.trailers', 'true']]));
  });

  it('rejects invalid initial entries', () => {
    expect(() => new MemorySettingsStore({ initial: { '': 'x' } })).toThrow(ValidationError);
  });
});
