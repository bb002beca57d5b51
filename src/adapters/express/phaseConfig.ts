/**
 * Routes of the phase configuration: read every phase or one, change a phase (all or
 * nothing), reset to defaults, and the description of every field for building forms.
 * Mount on `/api`. The routes only translate HTTP into `PhaseConfigService` calls.
 */
import type { Router } from 'express';
import { express } from './peer.js';
import { allowDeclaredMethods } from './methods.js';
import { ValidationError } from '../../errors.js';
import type { PhaseConfigService } from '../../phases/PhaseConfigService.js';
import type { PhasePatchOf, PhaseSchemas } from '../../phases/phaseConfig.js';
import { jsonBody, objectBody } from './body.js';
import { HttpError, phaseqErrorHandler } from './errors.js';
import { checkRouterOptions, type RouterOptions } from './options.js';
import { routeGuards } from './security.js';

/**
 * Creates the phase configuration router. Routes (relative to where it is mounted):
 *
 * - `GET /phase-config` — every phase's settings
 * - `GET /phase-config/describe` — every phase and field: type, default, range, options
 * - `GET /phase-config/:phase` — one phase (404 for an unknown phase)
 * - `PATCH /phase-config/:phase` — change some fields; 400 with one issue per bad field
 * - `POST /phase-config/reset` — back to defaults; body `{ "phase": "scan" }` for one phase
 *
 * (`describe` and `reset` are route names here, so a phase cannot be read or reset
 * through them if it were called that; the media phases are not.)
 *
 * @example
 * ```ts
 * app.use('/api', createPhaseConfigRouter(phases, { apiKey: process.env.PHASEQ_API_KEY }));
 * ```
 */
export function createPhaseConfigRouter<S extends PhaseSchemas>(phases: PhaseConfigService<S>, options?: RouterOptions): Router {
  const opts = checkRouterOptions(options);
  const router = express.Router();
  const guards = routeGuards(opts);
  const body = jsonBody(opts.bodyLimit);

  const phaseParam = (name: unknown): keyof S & string => {
    if (typeof name !== 'string' || !Object.hasOwn(phases.schemas, name)) {
      throw new HttpError(404, 'NOT_FOUND', `No phase "${String(name)}"; phases are: ${Object.keys(phases.schemas).join(', ')}`);
    }
    return name;
  };

  router.get('/phase-config', ...guards, async (_req, res) => {
    res.json(await phases.getAll());
  });

  router.get('/phase-config/describe', ...guards, (_req, res) => {
    res.json(phases.describe());
  });

  router.post('/phase-config/reset', ...guards, ...body, async (req, res) => {
    const input = objectBody(req.body, '{} or { "phase": "<name>" }', true);
    const unknown = Object.keys(input).filter((k) => k !== 'phase');
    if (unknown.length > 0) {
      throw new ValidationError(
        `Unknown field(s) in reset request: ${unknown.join(', ')}`,
        unknown.map((path) => ({ path, message: 'unknown field' })),
      );
    }
    if (input.phase === undefined) {
      await phases.resetToDefaults();
      res.json(await phases.getAll());
      return;
    }
    if (typeof input.phase !== 'string' || !Object.hasOwn(phases.schemas, input.phase)) {
      throw new ValidationError(`Unknown phase ${JSON.stringify(input.phase)}`, [
        { path: 'phase', message: `must be one of: ${Object.keys(phases.schemas).join(', ')}` },
      ]);
    }
    const phase: keyof S & string = input.phase;
    await phases.resetToDefaults(phase);
    res.json(await phases.getConfig(phase));
  });

  router.get('/phase-config/:phase', ...guards, async (req, res) => {
    res.json(await phases.getConfig(phaseParam(req.params.phase)));
  });

  router.patch('/phase-config/:phase', ...guards, ...body, async (req, res) => {
    const phase = phaseParam(req.params.phase);
    const patch = objectBody(req.body, 'field -> value, e.g. { "maxPoster": 4 }');
    // The service validates every field (names, types, ranges); the static type is only a promise.
    res.json(await phases.setPhase(phase, patch as PhasePatchOf<S, typeof phase>));
  });

  allowDeclaredMethods(router);
  router.use(phaseqErrorHandler(opts));
  return router;
}
