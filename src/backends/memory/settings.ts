/**
 * MemorySettingsStore: settings held in this process only. For tests, examples and hosts
 * that configure phases in code; nothing survives a restart.
 */
import type { ISettingsStore, SettingsDeleteTarget, SettingsEntries } from '../../settings/types.js';
import { normalizeDeleteTarget, normalizeEntries, normalizePrefix } from '../../settings/validate.js';

/** Options of {@link MemorySettingsStore}. */
export interface MemorySettingsStoreOptions {
  /**
   * Settings present from the start (as if written by `setMany`).
   * @default {}
   */
  initial?: SettingsEntries;
}

/**
 * The in-memory settings store. Several services in one process may share one instance;
 * the change token is a counter bumped by every write that changed something.
 *
 * @example
 * ```ts
 * const phases = new PhaseConfigService({ store: new MemorySettingsStore() });
 * ```
 */
export class MemorySettingsStore implements ISettingsStore {
  readonly name = 'memory';
  readonly #data = new Map<string, string>();
  #version = 0;

  constructor(options: MemorySettingsStoreOptions = {}) {
    if (options.initial !== undefined) {
      for (const [key, value] of normalizeEntries(options.initial)) this.#data.set(key, value);
    }
  }

  async init(): Promise<void> {}

  async close(): Promise<void> {}

  async getAll(prefix?: string): Promise<Map<string, string>> {
    const p = normalizePrefix(prefix);
    const out = new Map<string, string>();
    for (const [key, value] of this.#data) if (key.startsWith(p)) out.set(key, value);
    return out;
  }

  async setMany(entries: SettingsEntries): Promise<void> {
    // Validated in full before the first write: all or nothing.
    const pairs = normalizeEntries(entries);
    let changed = false;
    for (const [key, value] of pairs) {
      if (this.#data.get(key) === value) continue;
      this.#data.set(key, value);
      changed = true;
    }
    if (changed) this.#version++;
  }

  async deleteMany(target: SettingsDeleteTarget): Promise<number> {
    const t = normalizeDeleteTarget(target);
    const keys = 'keys' in t ? t.keys : [...this.#data.keys()].filter((k) => k.startsWith(t.prefix));
    let n = 0;
    for (const key of keys) if (this.#data.delete(key)) n++;
    if (n > 0) this.#version++;
    return n;
  }

  async changeToken(): Promise<string> {
    return String(this.#version);
  }
}
