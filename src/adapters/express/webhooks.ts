/**
 * Webhooks from downloaders: `POST /webhooks/radarr` and `POST /webhooks/sonarr` (mount on
 * `/api`). A delivery is rate-limited per address, authenticated, validated against the
 * sender's payload schema, and its folder mapped from the downloader's view to a library
 * path. Events that change files (`Download`, `Rename`, file and movie/series deletes)
 * enqueue one `webhook-received` job, whose handler enqueues the scan; `Test` and
 * informational events (`Grab`, `Health`, ...) are acknowledged with no job. Radarr's
 * events go to `movies` libraries only, Sonarr's to `tvshows` libraries only; a Sonarr
 * event also names the exact files that changed (`paths`), so only those are scanned.
 *
 * Answers: 202 job enqueued (or 200 when it duplicates a recent delivery), 200 nothing to
 * do, 400 bad JSON or payload, 401 bad auth, 422 a folder outside every library or in a
 * library of the wrong kind, 429 too many requests. Every refusal is logged.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ErrorRequestHandler, Router } from 'express';
import { express } from './peer.js';
import { allowDeclaredMethods } from './methods.js';
import { ValidationError, type ValidationIssue } from '../../errors.js';
import { checkLibraries, libraryContaining, type LibraryInput, type LibraryKind, type LibraryRoot } from '../../media/libraries.js';
import { describeIssues, parseWithIssues } from '../../validation.js';
import { mapPath } from '../../media/players/pathMap.js';
import type { WebhookReceivedPayload } from '../../media/schemas.js';
import type { PathMapping } from '../../media/types.js';
import { JOB_PRIORITY, type JobInput } from '../../types.js';
import { jsonBody, objectBody } from './body.js';
import { describeError, HttpError, phaseqErrorHandler, type AdapterLogger } from './errors.js';
import { rateLimitPerIp, type RateLimitOptions } from './rateLimit.js';
import { sonarrChangedPaths } from './sonarrChanges.js';
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
  /**
   * Absolute library folders, `{ path, kind }` with kind `movies` or `tvshows` (a plain
   * string is a `movies` library). A mapped path outside all of them, or a Radarr event
   * for a `tvshows` library, or a Sonarr event for a `movies` one, is refused (422).
   */
  libraries: readonly LibraryInput[];
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
  /** The folder the event is about (Radarr's movie folder, Sonarr's series folder), as this server sees it. */
  moviePath: string;
  /** The library root that contains it. */
  libraryPath: string;
  /** What that library holds. */
  libraryKind: LibraryKind;
  /** Sonarr: the files (and folders) the event changed, as this server sees them. */
  paths?: string[];
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

function checkOptions(options: WebhookRouterOptions): {
  libraries: LibraryRoot[];
  downloaders: Partial<Record<Downloader, DownloaderOptions>>;
} {
  if (!options || typeof options !== 'object') {
    throw new ValidationError('createWebhookRouter needs options { auth, libraries }', [{ path: '', message: 'required' }]);
  }
  checkWebhookAuth(options.auth);
  const issues: ValidationIssue[] = [];
  if (!Array.isArray(options.libraries) || options.libraries.length === 0) {
    issues.push({ path: 'libraries', message: 'give at least one absolute library folder' });
  }
  const checked = checkLibraries(Array.isArray(options.libraries) ? options.libraries : [], 'libraries');
  issues.push(...checked.issues);
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
  return { libraries: checked.libraries, downloaders };
}

/** The library kind each downloader manages. */
const KIND_OF: Record<Downloader, LibraryKind> = { radarr: 'movies', sonarr: 'tvshows' };

/** A downloader's path as this server sees it (absolute and resolved), or null when it is not absolute after mapping. */
function mapToLibrary(downloaderPath: string, pathMap: readonly PathMapping[]): { mapped: string; resolved: string | null } {
  const mapped = mapPath(downloaderPath, pathMap);
  return { mapped, resolved: path.isAbsolute(mapped) ? path.resolve(mapped) : null };
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
      const { mapped, resolved } = mapToLibrary(folder, settings.pathMap ?? []);
      const library = resolved === null ? undefined : libraryContaining(libraries, resolved);
      if (resolved === null || library === undefined) {
        logger?.warn(
          { source, eventType: event.eventType, downloaderPath: folder, mappedPath: mapped },
          'webhook: folder outside every library, refused',
        );
        throw new HttpError(
          422,
          'PATH_OUTSIDE_LIBRARY',
          `The folder "${folder}" (mapped to "${mapped}") is not inside any configured library`,
          {
            downloaderPath: folder,
            mappedPath: mapped,
            libraries: libraries.map((lib) => lib.path),
          },
        );
      }
      // Library kinds: Radarr's movies never go into a TV library, Sonarr's series never into a movie library.
      if (library.kind !== KIND_OF[source]) {
        logger?.warn(
          { source, eventType: event.eventType, library: library.path, kind: library.kind },
          'webhook: library of the wrong kind, refused',
        );
        throw new HttpError(
          422,
          'LIBRARY_KIND_MISMATCH',
          `The folder "${mapped}" is in the ${library.kind} library "${library.path}"; ${source} events need a ${KIND_OF[source]} library ` +
            `(configure it as { path, kind: '${KIND_OF[source]}' })`,
          { downloaderPath: folder, mappedPath: resolved, library: library.path, kind: library.kind },
        );
      }
      // Sonarr names the files it changed: map each, and keep them inside the same library.
      let paths: string[] | undefined;
      if (source === 'sonarr') {
        paths = [];
        for (const changed of sonarrChangedPaths(event as SonarrWebhook) ?? [folder]) {
          const one = mapToLibrary(changed, settings.pathMap ?? []);
          if (one.resolved === null || !isInside(library.path, one.resolved) || one.resolved === library.path) {
            throw new HttpError(
              422,
              'PATH_OUTSIDE_LIBRARY',
              `The path "${changed}" (mapped to "${one.mapped}") is not inside the library "${library.path}"`,
              {
                downloaderPath: changed,
                mappedPath: one.mapped,
                library: library.path,
              },
            );
          }
          if (!paths.includes(one.resolved)) paths.push(one.resolved);
        }
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
      const body: WebhookReceivedBody = {
        moviePath: resolved,
        libraryPath: library.path,
        libraryKind: library.kind,
        ...(paths ? { paths } : {}),
        downloaderPath: folder,
        delivery: raw,
      };
      const payload: WebhookReceivedPayload = { source, eventType: event.eventType, body, receivedAt: now };
      const jobId = await queue.addJob({ type: 'webhook-received', payload, priority, dedupeKey: key });
      recent.set(key, { jobId, at: now });
      logger?.info?.({ source, eventType: event.eventType, moviePath: resolved, paths, jobId }, 'webhook: scan requested');
      res
        .status(202)
        .json({ received: true, eventType: event.eventType, action: 'scan', jobId, moviePath: resolved, ...(paths ? { paths } : {}) });
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
