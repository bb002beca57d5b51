/**
 * Setting names: `enrichment.maxPoster` and its stored form `phase.enrichment.maxPoster`,
 * and the legacy `workflow.*` switches, which are refused with directions.
 */
import { ValidationError } from '../errors.js';
import type { PhaseSchemas } from './phaseConfig.js';

/** What an unknown phase is told when no phase is registered at all. */
const NO_PHASES =
  'no phase is registered: use the plugin that declares it (queue.use(plugin), e.g. the media plugin) ' +
  'or give the service its phases (new PhaseConfigService({ store, phases }))';

/** Prefix of every phase setting in the settings store. */
export const PHASE_KEY_PREFIX = 'phase.';

/** The stored key of a phase setting: `phase.<phase>.<key>`. */
export function storedKey(phase: string, field: string): string {
  return `${PHASE_KEY_PREFIX}${phase}.${field}`;
}

/**
 * What replaces each switch of the old workflow control, as phase names (all of that
 * phase's settings) or `phase.key` names. Switches not listed are answered with every
 * phase setting.
 */
const WORKFLOW_REPLACEMENTS: Readonly<Record<string, readonly string[]>> = {
  scanning: ['scan'],
  webhooks: ['scan'],
  webhook_processing: ['scan'],
  identification: ['enrichment'],
  enrichment: ['enrichment'],
  asset_discovery: ['enrichment.fetchProviderAssets'],
  asset_fetching: [
    'enrichment.fetchProviderAssets',
    'enrichment.maxPoster',
    'enrichment.maxFanart',
    'enrichment.maxLogo',
    'enrichment.minResolution',
  ],
  asset_selection: ['enrichment.autoSelectAssets'],
  trailer_download: ['enrichment.maxTrailer', 'publish.trailers'],
  publishing: ['publish'],
  nfo_generation: ['publish'],
  library_notification: ['playerSync'],
  notifications: ['playerSync'],
};

function allSettings(schemas: PhaseSchemas, phases: readonly string[]): string[] {
  return phases.flatMap((p) => {
    const schema = schemas[p];
    return schema ? Object.keys(schema.shape).map((k) => `${p}.${k}`) : [];
  });
}

/** The `phase.key` settings that replace a legacy `workflow.*` switch, among the known ones. */
export function workflowReplacements(schemas: PhaseSchemas, legacyKey: string): string[] {
  const name = legacyKey.slice('workflow.'.length).split('.')[0] ?? '';
  const known = new Set(allSettings(schemas, Object.keys(schemas)));
  const mapped = (WORKFLOW_REPLACEMENTS[name] ?? []).flatMap((r) =>
    r.includes('.') ? (known.has(r) ? [r] : []) : allSettings(schemas, [r]),
  );
  return mapped.length > 0 ? mapped : [...known];
}

function legacyError(schemas: PhaseSchemas, key: string): ValidationError {
  const replacements = workflowReplacements(schemas, key);
  const message =
    `"${key}" is a workflow switch, and workflow control no longer exists: every phase always runs, in sequence. ` +
    `Configure what the phases do instead: ${replacements.join(', ')}.`;
  return new ValidationError(message, [{ path: key, message }]);
}

/**
 * Splits `phase.key` or `phase.<phase>.<key>` into its phase and field, checking both
 * against the schemas. Throws `ValidationError` for anything else, naming what is known.
 */
export function parseSettingKey(schemas: PhaseSchemas, key: unknown): { phase: string; field: string } {
  if (typeof key !== 'string' || key.trim() === '') {
    throw new ValidationError('A setting key must be a non-empty string such as "enrichment.maxPoster"', [
      { path: '', message: `got ${typeof key === 'string' ? 'an empty string' : typeof key}` },
    ]);
  }
  const name = key.trim();
  if (name === 'workflow' || name.startsWith('workflow.')) throw legacyError(schemas, name);
  const bare = name.startsWith(PHASE_KEY_PREFIX) ? name.slice(PHASE_KEY_PREFIX.length) : name;
  const dot = bare.indexOf('.');
  const phase = dot < 0 ? bare : bare.slice(0, dot);
  const field = dot < 0 ? '' : bare.slice(dot + 1);
  const schema = Object.hasOwn(schemas, phase) ? schemas[phase] : undefined;
  if (!schema) {
    const message =
      Object.keys(schemas).length > 0 ? `unknown phase "${phase}"; the phases are ${Object.keys(schemas).join(', ')}` : NO_PHASES;
    throw new ValidationError(`Unknown setting "${name}": ${message}`, [{ path: name, message }]);
  }
  if (!Object.hasOwn(schema.shape, field)) {
    const message =
      field === ''
        ? `name a setting of the phase, e.g. "${phase}.${Object.keys(schema.shape)[0] ?? 'key'}"`
        : `unknown setting "${field}" of phase "${phase}"; its settings are ${Object.keys(schema.shape).join(', ')}`;
    throw new ValidationError(`Unknown setting "${name}": ${message}`, [{ path: name, message }]);
  }
  return { phase, field };
}

/** Checks a phase name against the schemas; throws `ValidationError` naming the known phases. */
export function checkPhase(schemas: PhaseSchemas, phase: unknown): string {
  if (typeof phase === 'string' && Object.hasOwn(schemas, phase)) return phase;
  const shown = typeof phase === 'string' ? `"${phase}"` : String(phase);
  const message = Object.keys(schemas).length > 0 ? `must be one of ${Object.keys(schemas).join(', ')}` : NO_PHASES;
  throw new ValidationError(`Unknown phase ${shown}: phase: ${message}`, [{ path: 'phase', message }]);
}
