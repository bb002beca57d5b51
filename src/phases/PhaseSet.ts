/**
 * PhaseSet: the phases a `PhaseConfigService` knows and the rules they set, apart from
 * any store. It checks schemas (given or registered later by plugins) and keeps their
 * field infos and defaults; it decodes and validates what a store holds, validates
 * patches into the texts to store, and tells which settings two configs differ in. The
 * service (PhaseConfigService.ts) adds the store, the cache, the lock and the events.
 */
import type { z } from 'zod';
import { ValidationError, type ValidationIssue } from '../errors.js';
import { parseWithIssues } from '../validation.js';
import { coerceField, decodeField, encodeField, FieldDecodeError, fieldInfo, type FieldInfo } from './fields.js';
import { storedKey } from './keys.js';
import { deepFreeze, phaseDefaults, type PhaseConfigOf, type PhaseSchemas } from './phaseConfig.js';

/** Stored values break their rules; a ValidationError for callers, told apart inside. */
export class InvalidStoredSettingsError extends ValidationError {}

/** What {@link PhaseSet.applyPatches} makes of patches. */
export interface PatchedSettings<S extends PhaseSchemas> {
  /** Each patched phase's settings after the change, deeply frozen. */
  result: Record<string, unknown>;
  /** Every setting after the change, deeply frozen; null when there was no valid current config. */
  config: PhaseConfigOf<S> | null;
  /** The stored keys and texts to write. */
  entries: [string, string][];
}

/** One setting that differs between two configs (the service types it for its listeners). */
export interface SettingChange {
  phase: string;
  field: string;
  key: string;
  previous: unknown;
  value: unknown;
  origin: 'local' | 'external';
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function describeIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

/**
 * Checks a set of phase schemas (names, field names, defaults that parse again) and
 * returns their field infos and defaults. Throws `ValidationError` naming every problem.
 */
function checkSchemas(schemas: PhaseSchemas): { fields: Map<string, Map<string, FieldInfo>>; defaults: Record<string, unknown> } {
  const issues: ValidationIssue[] = [];
  const out = new Map<string, Map<string, FieldInfo>>();
  for (const [phase, schema] of Object.entries(schemas)) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(phase)) {
      issues.push({ path: `phases.${phase}`, message: 'a phase name is letters, digits and _ (it becomes part of a key)' });
    }
    const fields = new Map<string, FieldInfo>();
    for (const [field, fieldSchema] of Object.entries<z.core.$ZodType>(schema.shape)) {
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(field)) {
        issues.push({ path: `${phase}.${field}`, message: 'a setting name is letters, digits and _' });
      }
      fields.set(field, fieldInfo(fieldSchema));
    }
    out.set(phase, fields);
  }
  if (issues.length > 0) throw new ValidationError(`Invalid phase schemas: ${describeIssues(issues)}`, issues);
  const defaults = phaseDefaults(schemas) as Record<string, unknown>;
  // Writes re-validate the current (parsed) values together with the change, so a
  // schema's output must be a valid input again: no transforms that change the type.
  for (const [phase, schema] of Object.entries(schemas)) {
    if (!schema.safeParse(defaults[phase]).success) {
      issues.push({ path: phase, message: "its parsed defaults do not parse again (a transform changes the value's type)" });
    }
  }
  if (issues.length > 0) throw new ValidationError(`Invalid phase schemas: ${describeIssues(issues)}`, issues);
  return { fields: out, defaults };
}

/** A checked set of phase schemas, their field infos and their defaults. */
export class PhaseSet<S extends PhaseSchemas> {
  #schemas: S;
  #defaults: Readonly<PhaseConfigOf<S>>;
  readonly #fields = new Map<string, Map<string, FieldInfo>>();

  /** @throws ValidationError naming every invalid phase, setting or default. */
  constructor(schemas: S) {
    const checked = checkSchemas(schemas);
    this.#schemas = schemas;
    for (const [phase, fields] of checked.fields) this.#fields.set(phase, fields);
    this.#defaults = deepFreeze(checked.defaults as PhaseConfigOf<S>);
  }

  /** The schemas: those given, and those registered since. */
  get schemas(): S {
    return this.#schemas;
  }

  /** The default settings of every phase, deeply frozen. */
  get defaults(): Readonly<PhaseConfigOf<S>> {
    return this.#defaults;
  }

  /**
   * Adds the phases not known yet; see `PhaseConfigService.registerPhases`. Returns
   * whether any was added.
   * @throws ValidationError naming the clashing or invalid phases; nothing is added then.
   */
  register(schemas: PhaseSchemas): boolean {
    const known = this.#schemas as PhaseSchemas;
    const added: Record<string, PhaseSchemas[string]> = {};
    const issues: ValidationIssue[] = [];
    for (const [phase, schema] of Object.entries(schemas ?? {})) {
      if (!Object.hasOwn(known, phase)) added[phase] = schema;
      else if (known[phase] !== schema) issues.push({ path: `phases.${phase}`, message: 'is already registered with another schema' });
    }
    if (issues.length > 0) throw new ValidationError(`Invalid phase schemas: ${describeIssues(issues)}`, issues);
    if (Object.keys(added).length === 0) return false;
    const checked = checkSchemas(added);
    for (const [phase, fields] of checked.fields) this.#fields.set(phase, fields);
    // Safe: the new phases extend the set; their keys are not among S's (checked above).
    this.#schemas = { ...known, ...added } as unknown as S;
    this.#defaults = deepFreeze({ ...this.#defaults, ...checked.defaults });
    return true;
  }

  /**
   * Every phase's settings from the stored rows (stored values over defaults), deeply frozen.
   * @throws InvalidStoredSettingsError naming every stored value that breaks its rule.
   */
  parseStored(rows: ReadonlyMap<string, string>): PhaseConfigOf<S> {
    const issues: ValidationIssue[] = [];
    const out: Record<string, unknown> = {};
    for (const [phase, schema] of Object.entries(this.schemas)) {
      const decodeIssues: ValidationIssue[] = [];
      const raw = this.#decodePhase(rows, phase, decodeIssues);
      issues.push(...decodeIssues);
      const parsed = parseWithIssues(schema, raw, phase);
      if (parsed.success) out[phase] = parsed.data;
      else {
        const reported = new Set(decodeIssues.map((i) => i.path));
        for (const issue of parsed.issues) {
          if (!reported.has(issue.path)) issues.push({ path: issue.path, message: `stored value: ${issue.message}` });
        }
      }
    }
    if (issues.length > 0) {
      throw new InvalidStoredSettingsError(
        `The stored phase settings are invalid (edited outside phaseq?): ${describeIssues(issues)}. ` +
          'Fix them with set(), or resetToDefaults(phase).',
        issues,
      );
    }
    // Safe: every phase of the schemas was parsed into `out` under its own name.
    return deepFreeze(out as PhaseConfigOf<S>);
  }

  /**
   * Validates patches (phase -> field -> value) over the current settings, or, when they
   * are invalid (`current` null), over the stored `rows` as they are.
   * @throws ValidationError naming every bad field; nothing is to be stored then.
   */
  applyPatches(
    patches: ReadonlyMap<string, Record<string, unknown>>,
    current: PhaseConfigOf<S> | null,
    rows: ReadonlyMap<string, string> | null,
  ): PatchedSettings<S> {
    const next: Record<string, unknown> = { ...current };
    const result: Record<string, unknown> = {};
    const issues: ValidationIssue[] = [];
    const entries: [string, string][] = [];
    for (const [phase, patch] of patches) {
      const fields = this.#fieldsOf(phase);
      const coerced: Record<string, unknown> = {};
      for (const [field, value] of Object.entries(patch)) {
        const info = fields.get(field);
        if (!info) {
          issues.push({
            path: `${phase}.${field}`,
            message: `unknown setting of phase "${phase}"; its settings are ${[...fields.keys()].join(', ')}`,
          });
          continue;
        }
        try {
          coerced[field] = coerceField(info.kind, value);
        } catch (error) {
          if (!(error instanceof FieldDecodeError)) throw error;
          issues.push({ path: `${phase}.${field}`, message: error.message });
        }
      }
      const schema = this.schemas[phase];
      if (!schema) continue; // unreachable: phases were checked by the callers
      const base = current ? (current[phase as keyof S & string] as object) : this.#decodePhase(rows ?? new Map(), phase, []);
      // The whole phase is validated, so cross-field rules see the result of the change.
      const parsed = parseWithIssues(schema, { ...base, ...coerced }, phase);
      if (!parsed.success) {
        // A field whose text could not be coerced already has its issue: one per field.
        const named = new Set(issues.map((i) => i.path));
        issues.push(...parsed.issues.filter((i) => !named.has(i.path)));
        continue;
      }
      next[phase] = parsed.data;
      result[phase] = deepFreeze(parsed.data);
      const values = parsed.data;
      for (const field of Object.keys(coerced)) {
        const info = fields.get(field);
        if (info) entries.push([storedKey(phase, field), encodeField(info.kind, values[field])]);
      }
    }
    if (issues.length > 0) {
      throw new ValidationError(`Invalid phase settings: ${describeIssues(issues)}`, issues);
    }
    // Safe: `next` is `current` with some phases replaced by their parsed output.
    const config = current ? deepFreeze(next as PhaseConfigOf<S>) : null;
    return { result, config, entries };
  }

  /** The settings that differ between two configs, one change each. */
  changes(before: PhaseConfigOf<S>, after: PhaseConfigOf<S>, origin: 'local' | 'external'): SettingChange[] {
    const out: SettingChange[] = [];
    for (const phase of Object.keys(this.schemas)) {
      const a = before[phase as keyof S & string] as Record<string, unknown>;
      const b = after[phase as keyof S & string] as Record<string, unknown>;
      for (const field of this.#fieldsOf(phase).keys()) {
        if (sameValue(a[field], b[field])) continue;
        out.push({ phase, field, key: `${phase}.${field}`, previous: a[field], value: b[field], origin });
      }
    }
    return out;
  }

  /**
   * Decodes the stored rows of one phase. A text that cannot be decoded is kept as it is,
   * so that validation names it (rather than the default silently taking its place).
   */
  #decodePhase(rows: ReadonlyMap<string, string>, phase: string, issues: ValidationIssue[]): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    // Rows of unknown fields (left by older releases) are ignored: they configure nothing.
    for (const [field, info] of this.#fieldsOf(phase)) {
      const text = rows.get(storedKey(phase, field));
      if (text === undefined) continue;
      try {
        raw[field] = decodeField(info.kind, text);
      } catch (error) {
        if (!(error instanceof FieldDecodeError)) throw error;
        issues.push({ path: `${phase}.${field}`, message: `stored value: ${error.message}` });
        raw[field] = text;
      }
    }
    return raw;
  }

  #fieldsOf(phase: string): Map<string, FieldInfo> {
    return this.#fields.get(phase) ?? new Map<string, FieldInfo>();
  }
}
