/** Settings stores: the `app_settings` key/value contract and its SQLite and memory backends. */
export type { ISettingsStore, SettingsDeleteTarget, SettingsEntries } from './types.js';
export { MemorySettingsStore, type MemorySettingsStoreOptions } from './memory.js';
export { SQLiteSettingsStore, type SQLiteSettingsStoreOptions } from './sqlite.js';
export { MAX_SETTING_KEY_LENGTH } from './validate.js';
