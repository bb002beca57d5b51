/** Phase configuration: schemas of the phase settings and the service that reads and changes them. */
export {
  DEFAULT_PHASE_CONFIG,
  MEDIA_PHASE_SCHEMAS,
  enrichmentConfigSchema,
  phaseDefaults,
  playerSyncConfigSchema,
  publishConfigSchema,
  scanConfigSchema,
  type EnrichmentConfig,
  type MediaPhaseSchemas,
  type PhaseConfigOf,
  type PhaseConfiguration,
  type PhaseName,
  type PhasePatchOf,
  type PhaseSchemas,
  type PhaseSettingKeyOf,
  type PlayerSyncConfig,
  type PublishConfig,
  type ScanConfig,
} from './phaseConfig.js';
export { PhaseConfigService, type PhaseConfigServiceOptions } from './PhaseConfigService.js';
export type { PhaseConfigChange, PhaseConfigEvents } from './events.js';
export { describePhases, type PhaseDescription, type PhaseFieldDescription } from './describe.js';
export type { FieldKind } from './fields.js';
export { ISO_639_1_CODES, isIso6391 } from './languages.js';
export { ISO_3166_1_CODES, isIso3166Alpha2 } from './countries.js';
export { workflowReplacements } from './keys.js';
