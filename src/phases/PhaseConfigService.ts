/**
 * PhaseConfigService: reads and changes the phase settings kept in a settings store.
 *
 * Handlers call `getConfig(phase)` once per job, so reads are served from a cache that is
 * checked against the store's change token on every call: one cheap probe instead of a
 * table read, and still no job runs with settings older than the last committed change,
 * whichever process made it. Writes validate the whole phase (cross-field rules
 * included) before anything is stored, store all their keys in one transaction, and are
 * serialised within this service so that two calls cannot interleave their read-modify-write.
 * What the phases are and their rules (schema checks, decoding stored values, validating
 * patches) is PhaseSet's; this service adds the store, the cache, the lock and the events.
 */
import { EventEmitter } from 'eventemitter3';
import { ValidationError } from '../errors.js';
import type { ISettingsStore } from '../settings/types.js';
import { describePhases, type PhaseDescription } from './describe.js';
import type { PhaseConfigChange, PhaseConfigEvents } from './events.js';
import { checkPhase, parseSettingKey, PHASE_KEY_PREFIX } from './keys.js';
import type { PhaseConfigOf, RegisteredPhaseSchemas, PhasePatchOf, PhaseSchemas, PhaseSettingKeyOf } from './phaseConfig.js';
import { InvalidStoredSettingsError, PhaseSet } from './PhaseSet.js';

/** Options of {@link PhaseConfigService}. */
export interface PhaseConfigServiceOptions<S extends PhaseSchemas> {
  /** Where the settings live; initialised on first use. */
  store: ISettingsStore;
  /**
   * The phase schemas: phase name -> zod object whose every field has a `.default()`.
   * @default none: the phases plugins register at `queue.use(plugin)` (the media plugin's
   * scan, enrichment, publish and playerSync), see {@link PhaseConfigService.registerPhases}
   */
  phases?: S;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Phase settings with validation, coercion, caching and change events.
 *
 * @example
 * ```ts
 * const phases = new PhaseConfigService({ store: new SQLiteSettingsStore({ filename: './jobs.db' }) });
 * const { maxPoster } = await phases.getConfig('enrichment');
 * await phases.set('enrichment.maxPoster', 4);            // 'phase.enrichment.maxPoster' and '4' work too
 * await phases.setPhase('publish', { assets: false, trailers: true });
 * phases.on('changed', ({ key, previous, value }) => log.info({ key, previous, value }, 'setting changed'));
 * ```
 */
export class PhaseConfigService<S extends PhaseSchemas = RegisteredPhaseSchemas> extends EventEmitter<PhaseConfigEvents<PhaseConfigOf<S>>> {
  /** The store the settings live in. */
  readonly store: ISettingsStore;
  readonly #phases: PhaseSet<S>;
  #cache: { token: string | null; config: PhaseConfigOf<S> } | null = null;
  #tail: Promise<unknown> = Promise.resolve();
  #ready: Promise<void> | null = null;

  constructor(options: PhaseConfigServiceOptions<S>) {
    super();
    if (!options || typeof options !== 'object' || !options.store) {
      throw new ValidationError('PhaseConfigService needs { store }', [
        { path: 'store', message: 'required: a settings store such as SQLiteSettingsStore or MemorySettingsStore' },
      ]);
    }
    this.store = options.store;
    // Without `phases` the set starts empty and plugins fill it (registerPhases); the type
    // parameter is then its default, the phases plugins declared (Phaseq.PhaseSchemaMap).
    const schemas = options.phases ?? ({} as S);
    if (options.phases !== undefined && Object.keys(schemas).length === 0) {
      throw new ValidationError('Invalid phase schemas: phases: needs at least one phase', [
        { path: 'phases', message: 'needs at least one phase' },
      ]);
    }
    this.#phases = new PhaseSet(schemas);
  }

  /** The phase schemas in use: those given, and those plugins registered since. */
  get schemas(): S {
    return this.#phases.schemas;
  }

  /** The default settings of every phase, deeply frozen. */
  get defaults(): Readonly<PhaseConfigOf<S>> {
    return this.#phases.defaults;
  }

  /**
   * Adds phases, as a plugin that declares `phases` does at `queue.use(plugin)`. A phase
   * already known with the same schema is left as it is (registering twice is harmless);
   * a phase known with another schema is refused, and so is every phase of the call.
   *
   * @throws ValidationError naming the clashing or invalid phases; nothing is added then.
   * @example
   * ```ts
   * phases.registerPhases({ transcode: z.object({ crf: z.number().int().min(0).max(51).default(23) }) });
   * await phases.getConfig('transcode'); // { crf: 23 }
   * ```
   */
  registerPhases(schemas: PhaseSchemas): void {
    if (this.#phases.register(schemas)) this.#cache = null;
  }

  /**
   * The settings of one phase (cached; see {@link getAll}).
   * @throws ValidationError for an unknown phase.
   */
  async getConfig<P extends keyof S & string>(phase: P): Promise<PhaseConfigOf<S>[P]> {
    checkPhase(this.schemas, phase);
    const all = await this.getAll();
    return all[phase];
  }

  /**
   * The settings of every phase: stored values over defaults, deeply frozen. Served from
   * a cache while the store's change token is unchanged, so the hot path costs one token
   * probe; a change by any process is seen by the next call.
   * @throws ValidationError when a stored value breaks its rule (the table was edited by hand).
   */
  async getAll(): Promise<Readonly<PhaseConfigOf<S>>> {
    return this.#locked(() => this.#read());
  }

  /**
   * Changes one setting. `key` is `phase.key` or `phase.<phase>.<key>`; a string value is
   * coerced where unambiguous ('4' -> 4, 'false' -> false, '["a"]' -> ['a']).
   * @throws ValidationError for an unknown phase or key, a legacy `workflow.*` key, a wrong
   * type or a value out of range; nothing is stored then.
   */
  async set(key: PhaseSettingKeyOf<S> | `phase.${PhaseSettingKeyOf<S>}` | (string & {}), value: unknown): Promise<void> {
    const { phase, field } = parseSettingKey(this.schemas, key);
    if (value === undefined) {
      throw new ValidationError(`No value given for ${phase}.${field}`, [{ path: `${phase}.${field}`, message: 'a value is required' }]);
    }
    await this.#locked(() => this.#apply(new Map([[phase, { [field]: value }]])));
  }

  /**
   * Changes several settings of one phase, all or nothing. Strings are coerced as in
   * {@link set}; fields whose value is `undefined` are left as they are.
   * @returns The phase's settings after the change.
   * @throws ValidationError naming every bad field; nothing is stored then.
   */
  async setPhase<P extends keyof S & string>(phase: P, patch: PhasePatchOf<S, P>): Promise<PhaseConfigOf<S>[P]> {
    checkPhase(this.schemas, phase);
    if (!isPlainObject(patch)) {
      throw new ValidationError(`Settings for phase "${phase}" must be an object of field -> value`, [
        { path: phase, message: `expected an object, got ${Array.isArray(patch) ? 'an array' : typeof patch}` },
      ]);
    }
    const values = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const next = await this.#locked(() => this.#apply(new Map([[phase, values]])));
    // Safe: #apply returns the parsed settings of every phase it was given.
    return next[phase] as PhaseConfigOf<S>[P];
  }

  /**
   * Puts every setting of one phase (or of all phases) back to its default, in one
   * transaction. The defaults are written, so the table shows what is in effect.
   * @throws ValidationError for an unknown phase.
   */
  async resetToDefaults(phase?: keyof S & string): Promise<void> {
    const phases = phase === undefined ? Object.keys(this.schemas) : [checkPhase(this.schemas, phase)];
    const patches = new Map<string, Record<string, unknown>>();
    for (const p of phases) patches.set(p, { ...(this.defaults[p as keyof S & string] as Record<string, unknown>) });
    await this.#locked(() => this.#apply(patches));
  }

  /** JSON description of this service's phases and settings, for forms and help texts. */
  describe(): PhaseDescription[] {
    return describePhases(this.schemas);
  }

  /** Closes the store. The service can be used again afterwards (the store reopens). */
  async close(): Promise<void> {
    await this.#locked(async () => {
      this.#cache = null;
      this.#ready = null;
      await this.store.close();
    });
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn);
    this.#tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async #init(): Promise<void> {
    this.#ready ??= this.store.init().catch((error: unknown) => {
      this.#ready = null;
      throw error;
    });
    await this.#ready;
  }

  /** Current settings; call with the lock held. */
  async #read(): Promise<PhaseConfigOf<S>> {
    await this.#init();
    // Token first, data second: a change landing in between makes the next call reload
    // again, never keeps newer data labelled with an older token.
    const token = await this.store.changeToken();
    const cached = this.#cache;
    if (cached && cached.token === token) return cached.config;
    const config = this.#phases.parseStored(await this.store.getAll(PHASE_KEY_PREFIX));
    this.#cache = { token, config };
    if (cached) this.#emitChanges(cached.config, config, 'external');
    return config;
  }

  /**
   * Validates and stores patches (phase -> field -> value); call with the lock held.
   * Returns each patched phase's settings after the change.
   */
  async #apply(patches: Map<string, Record<string, unknown>>): Promise<Record<string, unknown>> {
    let current: PhaseConfigOf<S> | null = null;
    let rows: Map<string, string> | null = null;
    try {
      current = await this.#read();
    } catch (error) {
      // Broken stored values must not block the very calls that repair them: patch the
      // stored values as they are; validation still names any broken field the patch
      // leaves in its phase.
      if (!(error instanceof InvalidStoredSettingsError)) throw error;
      rows = await this.store.getAll(PHASE_KEY_PREFIX);
    }
    const { result, config, entries } = this.#phases.applyPatches(patches, current, rows);
    await this.store.setMany(entries);
    if (!current || !config) {
      // There was no valid "before" to compare with: no events, and the next read reloads.
      this.#cache = null;
      return result;
    }
    // Token unknown on purpose: another process may have written since, so the next read
    // reloads; keeping the config lets that reload report only changes made elsewhere.
    this.#cache = { token: null, config };
    this.#emitChanges(current, config, 'local');
    return result;
  }

  #emitChanges(before: PhaseConfigOf<S>, after: PhaseConfigOf<S>, origin: 'local' | 'external'): void {
    for (const change of this.#phases.changes(before, after, origin)) {
      // Safe: phase and field come from the schemas, the values from their parsed output.
      this.emit('changed', change as PhaseConfigChange<PhaseConfigOf<S>>);
    }
  }
}
