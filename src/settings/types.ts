/**
 * The settings-store contract: a small key/value store of text settings (`app_settings`).
 *
 * Kept deliberately small so that every backend (SQLite, memory, Redis) can fulfil it
 * exactly: read by prefix, write many at once (all or nothing), delete many, and a cheap
 * change token that tells a cache whether anything changed — in this process or in
 * another one sharing the same store — without reading the settings themselves.
 * Every method is async so that network backends fit the same shape.
 */

/** What {@link ISettingsStore.deleteMany} removes: these keys, or every key with a prefix. */
export type SettingsDeleteTarget = readonly string[] | { readonly prefix: string };

/**
 * Entries to write: a plain object (`{ 'phase.scan.minFileSizeMB': '50' }`) or any
 * iterable of `[key, value]` pairs (a `Map`, an array of tuples).
 */
export type SettingsEntries = Readonly<Record<string, string>> | Iterable<readonly [string, string]>;

/**
 * A key/value store of text settings. Keys are non-empty strings (dotted by convention,
 * e.g. `phase.enrichment.maxPoster`); values are strings, encoded by the caller.
 *
 * @example
 * ```ts
 * const store = new SQLiteSettingsStore({ filename: './data/phaseq.db' });
 * await store.init();
 * await store.setMany({ 'phase.publish.trailers': 'true' });
 * const phase = await store.getAll('phase.publish.'); // Map { 'phase.publish.trailers' => 'true', ... }
 * ```
 */
export interface ISettingsStore {
  /** Short backend name, for logs (`sqlite`, `memory`, `redis`). */
  readonly name: string;
  /** Opens the store (and, for SQLite, applies the migrations). Safe to call twice. */
  init(): Promise<void>;
  /** Releases what `init` opened. A database the host passed in stays open. */
  close(): Promise<void>;
  /**
   * Every setting whose key starts with `prefix` (all settings when omitted), as a new
   * Map the caller may keep. The prefix is matched literally (no wildcards).
   */
  getAll(prefix?: string): Promise<Map<string, string>>;
  /**
   * Writes every entry in one transaction: either all are stored or, on any error,
   * none is. Invalid keys or non-string values throw `ValidationError` before anything
   * is written. Writing a value equal to the stored one is not a change (the change
   * token does not move).
   */
  setMany(entries: SettingsEntries): Promise<void>;
  /** Deletes the given keys, or every key starting with `prefix`, in one transaction; returns how many existed. */
  deleteMany(target: SettingsDeleteTarget): Promise<number>;
  /**
   * An opaque token that changes whenever any setting changes, from this process or
   * another one sharing the store. Equal tokens mean nothing changed in between, so a
   * cache keyed by it can skip reading the settings. Must be much cheaper than `getAll`:
   * it is called on every cached read.
   */
  changeToken(): Promise<string>;
}
