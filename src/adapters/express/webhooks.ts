/**
 * Webhooks from downloaders: `POST /webhooks/radarr` and `POST /webhooks/sonarr` (mount on
 * `/api`). A delivery is rate-limited per address, authenticated, validated against the
 * sender's payload schema, and its folder mapped from the downloader's view to a library
 * path. Events that change files (`Download`, `Rename`, file and movie/series deletes)
 * enqueue one `webhook-received` job, whose handler enqueues the scan; `Test` and
 * informational events (`Grab`, `Health`, ...) are acknowledged with no job.
 *
 * Answers: 202 job enqueued (or 200 when it duplicates a recent delivery), 200 nothing to
 * do, 400 bad JSON or payload, 401 bad auth, 422 a folder outside every library, 429 too
 * many requests. Every refusal is logged.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ErrorRequestHandler, Router } from 'express';
import { express } from './peer.js';
import { allowDeclaredMethods } from './methods.js';
import { ValidationError, type ValidationIssue } from '../../errors.js';
import { describeIssues, parseWithIssues } from '../../validation.js';
import { mapPath } from '../../media/players/pathMap.js';
import type { WebhookReceivedPayload } from '../../media/schemas.js';
import type { PathMapping } from '../../media/types.js';
import { JOB_PRIORITY, type JobInput } from '../../types.js';
import { jsonBody, objectBody } from './body.js';
import { describeError, HttpError, phaseqErrorHandler, type AdapterLogger } from './errors.js';
import { rateLimitPerIp, type RateLimitOptions } from './rateLimit.js';
import { checkWebhookAuth, webhookAuthGuard, type WebhookAuth } from './webhookAuth.js';
import { radarrWebhookSchema, sonarrWebhookSchema, type RadarrWebhook, type SonarrWebhook } from './webhookSchemas.js';

/** The downloaders that can call in. */
export type Downloader = 'radarr' | 'sonarr';

/** Settings of one downloader. */
export interface DownloaderOptions {
  /**
   * How the downloader's paths map to library paths: `from` as the downloader sees it
   * (e.g. `/movies` inside its container), `to` as this server sees it. The longest
   * matching `from` wins, on whole path segments; an unmatched path is used as it is.
   * @default []
   */
  pathMap?: readonly PathMapping[];
}

/** A logger for webhook decisions (pino's `Logger` fits). */
export interface WebhookLogger extends AdapterLogger {
  info?(obj: object, msg?: string): void;
}

/** Options of {@link createWebhookRouter}. */
export interface WebhookRouterOptions {
  /** How deliveries authenticate. Required: say `{ type: 'none' }` to go without. */
  auth: WebhookAuth;
  /** Absolute library folders; a mapped path outside all of them is refused (422), never scanned. */
  libraries: readonly string[];
  /**
   * The downloaders accepted, with their path mappings; a route of a downloader left out
   * answers 404.
   * @default { radarr: {}, sonarr: {} }
   */
  downloaders?: Partial<Record<Downloader, DownloaderOptions>>;
  /** Per-address rate limit, or `false` for none. @default { perMinute: 60, burst: 20 } */
  rateLimit?: RateLimitOptions | false;
  /** Largest accepted body. @default '1mb' */
  bodyLimit?: number | string;
  /**
   * A delivery identical to one accepted this recently is answered with the first job's
   * id and enqueues nothing (downloaders resend on timeouts). Across processes, and after
   * this window, the job's dedupe key still merges deliveries while the job waits.
   * @default 600_000 (10 minutes)
   */
  duplicateWindowMs?: number;
  /** Priority of the `webhook-received` jobs. @default JOB_PRIORITY.HIGH */
  priority?: number;
  /** Where decisions and refusals are logged. @default none */
  logger?: WebhookLogger;
}

/** What the router needs of a queue. */
export interface WebhookQueue {
  addJob(input: JobInput<'webhook-received'>): Promise<string>;
}

/** The `body` a `webhook-received` job carries: the mapped folder and the delivery as received. */
export interface WebhookReceivedBody {
  [key: string]: unknown;
  /** The folder to scan, as this server sees it. */
  moviePath: string;
  /** The library root that contains it. */
  libraryPath: string;
  /** The folder as the downloader named it. */
  downloaderPath: string;
  /** The delivery's JSON body, unchanged. */
  delivery: Record<string, unknown>;
}

/** Events whose folder is rescanned. */
const SCAN_EVENTS: Record<Downloader, ReadonlySet<string>> = {
  radarr: new Set(['Download', 'Rename', 'MovieFileDelete', 'MovieDelete']),
  sonarr: new Set(['Download', 'Rename', 'EpisodeFileDelete', 'SeriesDelete']),
};

function folderOf(source: Downloader, event: RadarrWebhook | SonarrWebhook): string | null {
  // The schemas require these fields on every event listed in SCAN_EVENTS.
  const value =
    source === 'radarr'
      ? (event as { movie?: { folderPath?: unknown } | null }).movie?.folderPath
      : (event as { series?: { path?: unknown } | null }).series?.path;
  return typeof value === 'string' ? value : null;
}

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function checkOptions(options: WebhookRouterOptions): { libraries: string[]; downloaders: Partial<Record<Downloader, DownloaderOptions>> } {
  if (!options || typeof options !== 'object') {
    throw new ValidationError('createWebhookRouter needs options { auth, libraries }', [{ path: '', message: 'required' }]);
  }
  checkWebhookAuth(options.auth);
  const issues: ValidationIssue[] = [];
  if (!Array.isArray(options.libraries) || options.libraries.length === 0) {
    issues.push({ path: 'libraries', message: 'give at least one absolute library folder' });
  }
  (options.libraries ?? []).forEach((lib, i) => {
    if (typeof lib !== 'string' || !path.isAbsolute(lib)) issues.push({ path: `libraries.${i}`, message: 'must be an absolute path' });
  });
  const downloaders = options.downloaders ?? { radarr: {}, sonarr: {} };
  for (const [name, settings] of Object.entries(downloaders)) {
    if (name !== 'radarr' && name !== 'sonarr') {
      issues.push({ path: `downloaders.${name}`, message: 'unknown downloader (use radarr or sonarr)' });
      continue;
    }
    (settings?.pathMap ?? []).forEach((m, i) => {
      if (!m || typeof m.from !== 'string' || m.from === '' || typeof m.to !== 'string' || !path.isAbsolute(m.to)) {
        issues.push({ path: `downloaders.${name}.pathMap.${i}`, message: 'needs from (non-empty) and to (an absolute path)' });
      }
    });
  }
  const window = options.duplicateWindowMs;
  if (window !== undefined && (!Number.isInteger(window) || window < 0)) {
    issues.push({ path: 'duplicateWindowMs', message: 'must be a whole number >= 0' });
  }
  const priority = options.priority;
  if (priority !== undefined && (!Number.isInteger(priority) || priority < 1 || priority > 10)) {
    issues.push({ path: 'priority', message: 'must be a whole number from 1 to 10' });
  }
  if (issues.length > 0) {
    throw new ValidationError(`Invalid webhook router options: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  return { libraries: options.libraries.map((lib) => path.resolve(lib)), downloaders };
}

/**
 * Creates the webhook router.
 *
 * @throws ValidationError naming every bad option
 * @example
 * ```ts
 * app.use('/api', createWebhookRouter(queue, {
 *   auth: { type: 'secret', secret: process.env.WEBHOOK_SECRET! },
 *   libraries: ['/srv/media/movies'],
 *   downloaders: { radarr: { pathMap: [{ from: '/movies', to: '/srv/media/movies' }] } },
 *   logger,
 * }));
 * // In Radarr: Settings → Connect → Webhook, URL http://server:3000/api/webhooks/radarr?secret=…
 * ```
 */
export function createWebhookRouter(queue: WebhookQueue, options: WebhookRouterOptions): Router {
  if (!queue || typeof queue.addJob !== 'function') throw new TypeError('createWebhookRouter needs a queue (addJob)');
  const { libraries, downloaders } = checkOptions(options);
  const logger = options.logger;
  const windowMs = options.duplicateWindowMs ?? 600_000;
  const priority = options.priority ?? JOB_PRIORITY.HIGH;
  const recent = new Map<string, { jobId: string; at: number }>();
  const router = express.Router();
  const guards = [
    ...(options.rateLimit === false ? [] : [rateLimitPerIp(options.rateLimit ?? { perMinute: 60, burst: 20 })]),
    webhookAuthGuard(options.auth),
    ...jsonBody(options.bodyLimit ?? '1mb'),
  ];

  const forget = (now: number): void => {
    for (const [key, entry] of recent) {
      if (now - entry.at <= windowMs) break; // insertion order is time order
      recent.delete(key);
    }
  };

  for (const source of ['radarr', 'sonarr'] as const) {
    const settings = downloaders[source];
    if (!settings) continue;
    const schema = source === 'radarr' ? radarrWebhookSchema : sonarrWebhookSchema;
    router.post(`/webhooks/${source}`, ...guards, async (req, res) => {
      const raw = objectBody(req.body, `a ${source} webhook payload`);
      const parsed = parseWithIssues(schema, raw);
      if (!parsed.success) {
        throw new ValidationError(`Not a ${source} webhook payload: ${describeIssues(parsed.issues, 'body')}`, parsed.issues);
      }
      const event = parsed.data;
      if (event.eventType === 'Test') {
        logger?.info?.({ source }, 'webhook: test delivery acknowledged');
        res.json({ received: true, eventType: 'Test', action: 'none' });
        return;
      }
      const folder = SCAN_EVENTS[source].has(event.eventType) ? folderOf(source, event) : null;
      if (folder === null) {
        logger?.info?.({ source, eventType: event.eventType }, 'webhook: event needs no scan');
        res.json({ received: true, eventType: event.eventType, action: 'none' });
        return;
      }
      const mapped = mapPath(folder, settings.pathMap ?? []);
      const resolved = path.isAbsolute(mapped) ? path.resolve(mapped) : null;
      const library = resolved === null ? undefined : libraries.filter((lib) => isInside(lib, resolved)).sort((a, b) => b.length - a.length)[0];
      if (resolved === null || library === undefined) {
        logger?.warn({ source, eventType: event.eventType, downloaderPath: folder, mappedPath: mapped }, 'webhook: folder outside every library, refused');
        throw new HttpError(422, 'PATH_OUTSIDE_LIBRARY', `The folder "${folder}" (mapped to "${mapped}") is not inside any configured library`, {
          downloaderPath: folder,
          mappedPath: mapped,
          libraries,
        });
      }
      // The same delivery twice (a resend) has the same bytes: one key for both.
      const key = `webhook:${source}:${createHash('sha256').update(JSON.stringify(raw)).digest('hex').slice(0, 32)}`;
      const now = Date.now();
      forget(now);
      const seen = recent.get(key);
      if (seen) {
        logger?.info?.({ source, eventType: event.eventType, jobId: seen.jobId }, 'webhook: duplicate delivery, nothing enqueued');
        res.json({ received: true, eventType: event.eventType, action: 'duplicate', jobId: seen.jobId, moviePath: resolved });
        return;
      }
      const body: WebhookReceivedBody = { moviePath: resolved, libraryPath: library, downloaderPath: folder, delivery: raw };
      const payload: WebhookReceivedPayload = { source, eventType: event.eventType, body, receivedAt: now };
      const jobId = await queue.addJob({ type: 'webhook-received', payload, priority, dedupeKey: key });
      recent.set(key, { jobId, at: now });
      logger?.info?.({ source, eventType: event.eventType, moviePath: resolved, jobId }, 'webhook: scan requested');
      res.status(202).json({ received: true, eventType: event.eventType, action: 'scan', jobId, moviePath: resolved });
    });
  }

  // Refusals are answered by the shared error handler; log them first (it logs only 5xx).
  const logRefusal: ErrorRequestHandler = (error, req, _res, next) => {
    const { status, code, message } = describeError(error);
    if (status < 500) logger?.warn({ path: req.path, status, code, message, ip: req.ip }, 'webhook refused');
    next(error);
  };
  router.use(logRefusal);
  allowDeclaredMethods(router);
  router.use(phaseqErrorHandler(options.logger ? { logger: options.logger } : {}));
  return router;
}
