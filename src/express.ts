/**
 * `phaseq/express`: REST routers for the phase configuration, the job queue and health,
 * plus the error, security and body helpers they share. Needs `express` 5 (an optional
 * peer dependency). Re-exports only.
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
