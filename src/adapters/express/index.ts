/** Express adapter: routers and helpers. Re-exports only. */
export { createPhaseConfigRouter } from './phaseConfig.js';
export { createJobsRouter, type JobsRouterOptions } from './jobs.js';
export { createMetricsRouter, type MetricsRouterOptions } from './metrics.js';
export {
  registerQueueMetrics,
  DEFAULT_DURATION_BUCKETS,
  DEFAULT_WAIT_BUCKETS,
  type MetricsRegistry,
  type MetricsQueue,
  type QueueMetricsOptions,
} from './promMetrics.js';
export { createHealthRouter, type HealthRouterOptions, type HealthReport } from './health.js';
export {
  createWebhookRouter,
  type Downloader,
  type DownloaderOptions,
  type WebhookLogger,
  type WebhookRouterOptions,
  type WebhookQueue,
  type WebhookReceivedBody,
} from './webhooks.js';
export type { WebhookAuth } from './webhookAuth.js';
export type { RateLimitOptions } from './rateLimit.js';
export { createSchedulesRouter, type ScheduleSource } from './schedules.js';
export { createMediaRouter, type MediaRouterQueue, type MediaRouterContext } from './media.js';
export { sseHandler, FORWARDED_QUEUE_EVENTS, type EventStreamOptions } from './events.js';
export { type RouterOptions } from './options.js';
export {
  phaseqErrorHandler,
  notFoundHandler,
  sendError,
  describeError,
  HttpError,
  type ApiErrorBody,
  type AdapterLogger,
} from './errors.js';
export { requireApiKey, refuseCrossSite, warnIfExposed, isLoopbackAddress } from './security.js';
export { jsonBody, DEFAULT_BODY_LIMIT } from './body.js';
export { jobView, withoutStack } from './views.js';
