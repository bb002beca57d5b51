/**
 * Phase schemas in general: a phase is a zod object of its settings, each with a default.
 * The schemas are the single source of truth: types are inferred from them, the defaults
 * are what they parse `{}` to, and `describePhases()` reads the documentation and limits
 * from them for forms and help texts. Plugins declare the phases their handlers read (the
 * media plugin's four are in `src/media/phases.ts`).
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { fieldInfo } from './fields.js';

/**
 * The phases plugins declared (see `Phaseq.PhaseSchemaMap`): what `PhaseConfigService`
 * is typed with when it is given no `phases`.
 */
export type RegisteredPhaseSchemas = { [P in keyof Phaseq.PhaseSchemaMap]: Phaseq.PhaseSchemaMap[P] };

/** A set of phase schemas: phase name -> zod object of that phase's settings. */
export type PhaseSchemas = { readonly [phase: string]: z.ZodObject };

/** The settings of every phase of `S`, as the schemas output them. */
export type PhaseConfigOf<S extends PhaseSchemas> = { [P in keyof S & string]: z.output<S[P]> };

/** What `setPhase(phase, patch)` accepts for phase `P`: any subset of its fields (strings are coerced). */
export type PhasePatchOf<S extends PhaseSchemas, P extends keyof S & string> = {
  [K in keyof z.input<S[P]>]?: z.input<S[P]>[K] | string;
};

/** Every `phase.key` setting name of `S` (e.g. `'enrichment.maxPoster'`). */
export type PhaseSettingKeyOf<S extends PhaseSchemas> = {
  [P in keyof S & string]: `${P}.${keyof z.output<S[P]> & string}`;
}[keyof S & string];

/** Freezes an object and everything in it, so a shared config cannot be changed by accident. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * The defaults of a phase set: what each schema parses `{}` to. Throws `ValidationError`
 * naming every field without a default (a phase must be usable before anyone sets it).
 */
export function phaseDefaults<S extends PhaseSchemas>(schemas: S): PhaseConfigOf<S> {
  const issues: { path: string; message: string }[] = [];
  const out: Record<string, unknown> = {};
  for (const [phase, schema] of Object.entries(schemas)) {
    for (const [key, field] of Object.entries<z.core.$ZodType>(schema.shape)) {
      if (!fieldInfo(field).hasDefault) issues.push({ path: `${phase}.${key}`, message: 'has no .default()' });
    }
    const parsed = schema.safeParse({});
    if (parsed.success) out[phase] = parsed.data;
    else if (issues.length === 0) {
      for (const issue of parsed.error.issues) {
        issues.push({ path: [phase, ...issue.path.map(String)].join('.'), message: issue.message });
      }
    }
  }
  if (issues.length > 0) {
    throw new ValidationError(
      `Every phase setting needs a valid default: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      issues,
    );
  }
  // Safe: each entry is the parsed output of the schema under the same phase name.
  return out as PhaseConfigOf<S>;
}
