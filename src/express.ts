/**
 * `phaseq/express`: REST routers for the phase configuration, the job queue, health and
 * metrics, plus the error, security and body helpers they share. Needs `express` 5 (an
 * optional peer dependency); the metrics router also needs `prom-client` 15 (another,
 * loaded only when a metrics router is created). Re-exports only.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createHealthRouter, createJobsRouter, createPhaseConfigRouter, notFoundHandler } from 'phaseq/express';
 *
 * const app = express();
 * const options = { apiKey: process.env.PHASEQ_API_KEY };
 * app.use('/api', createPhaseConfigRouter(phases, options), createJobsRouter(queue, options), createHealthRouter({ queue, phases }, options));
 * app.use('/api', notFoundHandler());
 * ```
 */
export * from './adapters/express/index.js';
