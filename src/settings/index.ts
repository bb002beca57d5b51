/** Settings stores: the `app_settings` key/value contract and its SQLite and memory backends. */
export type { ISettingsStore, SettingsDeleteTarget, SettingsEntries } from './types.js';
export { MemorySettingsStore, type MemorySettingsStoreOptions } from '../backends/memory/settings.js';
export { SQLiteSettingsStore, type SQLiteSettingsStoreOptions } from '../backends/sqlite/settings.js';
export { MAX_SETTING_KEY_LENGTH } from './validate.js';
