/**
 * A JSON-friendly description of phase schemas, for the dashboard's settings forms and
 * the command line's help: everything a form needs without knowing zod.
 */
import { fieldInfo, type FieldKind } from './fields.js';
import type { PhaseSchemas } from './phaseConfig.js';
import { z } from 'zod';

/** One setting of a phase, as a form or a help text shows it. */
export interface PhaseFieldDescription {
  /** Field name within the phase, e.g. `maxPoster`. */
  key: string;
  /** Name accepted by `set`, e.g. `enrichment.maxPoster`. */
  setting: string;
  /** Key in the settings store, e.g. `phase.enrichment.maxPoster`. */
  storedKey: string;
  /** Value type; `string[]` is a list of strings, `json` any other JSON value. */
  type: FieldKind;
  /** The default value. */
  default: unknown;
  /** What the setting changes. */
  description: string;
  /** Smallest value (numbers) or fewest items (lists), when limited. */
  min?: number;
  /** Largest value (numbers) or most items (lists), when limited. */
  max?: number;
  /** The allowed values (enums, or the items of a list of enums). */
  options?: readonly string[];
  /** Regular expression (source) that text values or list items must match. */
  pattern?: string;
}

/** One phase and its settings. */
export interface PhaseDescription {
  /** Phase name, e.g. `enrichment`. */
  phase: string;
  /** What the phase does. */
  description: string;
  /** Its settings, in schema order. */
  fields: PhaseFieldDescription[];
}

/**
 * Describes every phase and setting of a phase set (a service's: `phases.describe()`).
 * The result is plain JSON: send it to a browser or print it as help.
 *
 * @example
 * ```ts
 * describePhases(MEDIA_PHASE_SCHEMAS)[1];
 * // { phase: 'enrichment', description: 'Enrichment: ...', fields: [
 * //   { key: 'maxPoster', setting: 'enrichment.maxPoster', type: 'integer', default: 3, min: 0, max: 50, ... }, ...] }
 * ```
 */
export function describePhases(schemas: PhaseSchemas): PhaseDescription[] {
  return Object.entries(schemas).map(([phase, schema]) => {
    const meta = z.globalRegistry.get(schema);
    return {
      phase,
      description: typeof meta?.description === 'string' ? meta.description : '',
      fields: Object.entries<z.core.$ZodType>(schema.shape).map(([key, field]) => {
        const info = fieldInfo(field);
        const out: PhaseFieldDescription = {
          key,
          setting: `${phase}.${key}`,
          storedKey: `phase.${phase}.${key}`,
          type: info.kind,
          default: info.defaultValue,
          description: info.description,
        };
        if (info.min !== undefined) out.min = info.min;
        if (info.max !== undefined) out.max = info.max;
        if (info.options !== undefined) out.options = info.options;
        if (info.pattern !== undefined) out.pattern = info.pattern;
        return out;
      }),
    };
  });
}
