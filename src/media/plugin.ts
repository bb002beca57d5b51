/**
 * The media pipeline as a plugin: `queue.use(createMediaPlugin({ ... }))` registers
 * `scan-movie`, `enrich-metadata`, `publish` and the three `notify-*` job types, the TV
 * pipeline's `scan-tv`, `enrich-tvshow` and `publish-tvshow`, plus the maintenance jobs
 * (`scheduled-cleanup`, `scheduled-provider-update`, `scheduled-verification`) and
 * `webhook-received`. It is built only on the public plugin API, like any third-party
 * plugin would be.
 */
import type { Database as SqliteDatabase } from 'better-sqlite3';
import {
  definePlugin,
  MEDIA_PHASE_SCHEMAS,
  migrate,
  migratePlugin,
  openSqlite,
  ValidationError,
  type Plugin,
  type ValidationIssue,
} from '../index.js';
import { MoviesRepository } from './db/MoviesRepository.js';
import { PlayerSyncRepository } from './db/PlayerSyncRepository.js';
import { TvRepository } from './db/TvRepository.js';
import { createEnrichMetadataHandler } from './handlers/enrichMetadata.js';
import { createEnrichTvShowHandler } from './handlers/enrichTvShow.js';
import type { MediaServices } from './handlers/deps.js';
import { createNotifyPlayerHandler } from './handlers/notifyPlayer.js';
import { PLAYER_SYNC_JOB_OPTIONS } from './handlers/playerSyncQueue.js';
import { createPublishHandler } from './handlers/publish.js';
import { createPublishTvShowHandler } from './handlers/publishTvShow.js';
import { createScanMovieHandler } from './handlers/scanMovie.js';
import { createScanTvHandler } from './handlers/scanTv.js';
import { createScheduledCleanupHandler } from './handlers/scheduledCleanup.js';
import { createScheduledProviderUpdateHandler } from './handlers/scheduledProviderUpdate.js';
import { createScheduledVerificationHandler } from './handlers/scheduledVerification.js';
import { createWebhookReceivedHandler } from './handlers/webhookReceived.js';
import { checkLibraries, type LibraryInput, type LibraryRoot } from './libraries.js';
import { MEDIA_MIGRATIONS } from './migrations/index.js';
import { MEDIA_JOB_SCHEMAS } from './schemas.js';
import type { MetadataProvider, PlayerConfig } from './types.js';

/** Options of {@link createMediaPlugin}: a database (or a file to open) plus the services. */
export type MediaPluginOptions = (
  | {
      /** An open better-sqlite3 database (e.g. the queue's); the host keeps ownership. */
      database: SqliteDatabase;
      filename?: undefined;
    }
  | {
      /** Path of the SQLite file holding the media tables (created when missing); may be the queue's file. */
      filename: string;
      database?: undefined;
    }
) & {
  /** Where metadata and artwork come from: `TmdbProvider`, `LocalProvider`, or your own. */
  provider: MetadataProvider;
  /**
   * Media players to notify after publishing; names must be unique.
   * @default []
   */
  players?: readonly PlayerConfig[];
  /**
   * Absolute library folders, each `{ path, kind }` with kind `movies` or `tvshows`; a
   * plain string is a `movies` library (the form from before library kinds, still
   * accepted). When given, scans outside them are refused, a `moviePath` scan is
   * attributed to the root that contains it, and no phase writes into a library of the
   * other kind: `scan-movie`/`publish` refuse `tvshows` libraries, `scan-tv`/`publish-tvshow`
   * refuse `movies` ones.
   * @default [] (any absolute folder may be scanned, by either pipeline)
   * @example
   * ```ts
   * libraryRoots: ['/srv/movies', { path: '/srv/tv', kind: 'tvshows' }]
   * ```
   */
  libraryRoots?: readonly LibraryInput[];
  /**
   * Retries of each media job after its first attempt.
   * @default the queue's `maxRetries`
   */
  maxRetries?: number;
};

/** What {@link createMediaPlugin} returns: the plugin, plus the data it works on. */
export type MediaPlugin = Plugin<typeof MEDIA_JOB_SCHEMAS> & {
  /** The movies, their artwork candidates and cast. */
  readonly movies: MoviesRepository;
  /** The TV shows, their episode files, seasons and artwork candidates. */
  readonly tv: TvRepository;
  /** What each player confirmed holding (read by the player syncs). */
  readonly syncs: PlayerSyncRepository;
  /** The configured library roots, resolved (empty: any absolute folder). */
  readonly libraryRoots: readonly string[];
  /** The same roots with their kinds. */
  readonly libraries: readonly LibraryRoot[];
  /** The database holding the media tables. */
  readonly database: SqliteDatabase;
  /** Closes the database when the plugin opened it (`filename`); does nothing otherwise. */
  close(): void;
};

function checkOptions(options: MediaPluginOptions): void {
  const issues: ValidationIssue[] = [];
  if (!options || typeof options !== 'object') {
    throw new ValidationError('createMediaPlugin needs an options object', [{ path: '', message: 'required' }]);
  }
  if (!options.database && (typeof options.filename !== 'string' || options.filename === '')) {
    issues.push({ path: 'database', message: 'give an open database or a filename' });
  }
  const provider = options.provider;
  if (
    !provider ||
    typeof provider.search !== 'function' ||
    typeof provider.details !== 'function' ||
    typeof provider.artwork !== 'function'
  ) {
    issues.push({ path: 'provider', message: 'must be a MetadataProvider (search, details, artwork)' });
  }
  const names = new Set<string>();
  (options.players ?? []).forEach((player, i) => {
    if (!player || !['kodi', 'jellyfin', 'plex'].includes(player.kind)) {
      issues.push({ path: `players.${i}.kind`, message: 'must be "kodi", "jellyfin" or "plex"' });
      return;
    }
    if (typeof player.name !== 'string' || player.name === '') {
      issues.push({ path: `players.${i}.name`, message: 'must be a non-empty string' });
    } else if (names.has(player.name)) {
      issues.push({ path: `players.${i}.name`, message: `"${player.name}" is used by another player` });
    }
    names.add(player.name);
  });
  issues.push(...checkLibraries(options.libraryRoots, 'libraryRoots').issues);
  if (issues.length > 0) {
    throw new ValidationError(`Invalid media plugin options: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
}

/**
 * Creates the media pipeline plugin. Opens (or uses) the database, applies the core's
 * migrations and its own (`MEDIA_MIGRATIONS`, tracked under "media"), and binds the handlers to the provider
 * and players. The handlers read their settings from the queue's `phases` (a
 * `PhaseConfigService`), so the queue must be created with one.
 *
 * @throws ValidationError naming every bad option
 * @example
 * ```ts
 * const media = createMediaPlugin({
 *   filename: './data/phaseq.db',
 *   provider: new TmdbProvider({ apiKey: process.env.TMDB_API_KEY! }),
 *   players: [{ kind: 'kodi', name: 'living-room', url: 'http://kodi:8080', auth: { username: 'kodi', password: 'kodi' } }],
 *   libraryRoots: ['/srv/movies'],
 * });
 * await queue.use(media);
 * await queue.addJob({ type: 'scan-movie', payload: { libraryPath: '/srv/movies', manual: true }, manual: true });
 * ```
 */
export function createMediaPlugin(options: MediaPluginOptions): MediaPlugin {
  checkOptions(options);
  // The queue's connection and this one share the file: same settings, same migrations.
  const source = options.database ? { database: options.database } : { filename: options.filename };
  const { db, owned } = openSqlite(source, (db) => {
    migrate(db);
    migratePlugin(db, { name: 'media', migrations: MEDIA_MIGRATIONS });
  });
  const movies = new MoviesRepository(db);
  const tv = new TvRepository(db);
  const syncs = new PlayerSyncRepository(db);
  const { libraries } = checkLibraries(options.libraryRoots, 'libraryRoots');
  const services: MediaServices = {
    movies,
    tv,
    syncs,
    provider: options.provider,
    players: [...(options.players ?? [])],
    libraryRoots: libraries.map((lib) => lib.path),
    libraries,
  };
  const retry = options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries };
  const plugin = definePlugin({
    name: 'media',
    migrations: MEDIA_MIGRATIONS,
    // The four phases the handlers read: scan, enrichment, publish, playerSync.
    phases: MEDIA_PHASE_SCHEMAS,
    jobs: {
      'scan-movie': { schema: MEDIA_JOB_SCHEMAS['scan-movie'], handler: createScanMovieHandler(services), ...retry },
      'enrich-metadata': { schema: MEDIA_JOB_SCHEMAS['enrich-metadata'], handler: createEnrichMetadataHandler(services), ...retry },
      publish: { schema: MEDIA_JOB_SCHEMAS.publish, handler: createPublishHandler(services), ...retry },
      // The TV pipeline: its own scan, enrich and publish; it chains to the same notify jobs.
      'scan-tv': { schema: MEDIA_JOB_SCHEMAS['scan-tv'], handler: createScanTvHandler(services), ...retry },
      'enrich-tvshow': { schema: MEDIA_JOB_SCHEMAS['enrich-tvshow'], handler: createEnrichTvShowHandler(services), ...retry },
      'publish-tvshow': { schema: MEDIA_JOB_SCHEMAS['publish-tvshow'], handler: createPublishTvShowHandler(services), ...retry },
      // One sync per player at a time: see PLAYER_SYNC_JOB_OPTIONS.
      'notify-kodi': {
        schema: MEDIA_JOB_SCHEMAS['notify-kodi'],
        handler: createNotifyPlayerHandler(services, 'kodi'),
        ...retry,
        ...PLAYER_SYNC_JOB_OPTIONS,
      },
      'notify-jellyfin': {
        schema: MEDIA_JOB_SCHEMAS['notify-jellyfin'],
        handler: createNotifyPlayerHandler(services, 'jellyfin'),
        ...retry,
        ...PLAYER_SYNC_JOB_OPTIONS,
      },
      'notify-plex': {
        schema: MEDIA_JOB_SCHEMAS['notify-plex'],
        handler: createNotifyPlayerHandler(services, 'plex'),
        ...retry,
        ...PLAYER_SYNC_JOB_OPTIONS,
      },
      'scheduled-cleanup': {
        schema: MEDIA_JOB_SCHEMAS['scheduled-cleanup'],
        handler: createScheduledCleanupHandler(services, db),
        ...retry,
      },
      'scheduled-provider-update': {
        schema: MEDIA_JOB_SCHEMAS['scheduled-provider-update'],
        handler: createScheduledProviderUpdateHandler(services, db),
        ...retry,
      },
      'scheduled-verification': {
        schema: MEDIA_JOB_SCHEMAS['scheduled-verification'],
        handler: createScheduledVerificationHandler(services),
        ...retry,
      },
      'webhook-received': { schema: MEDIA_JOB_SCHEMAS['webhook-received'], handler: createWebhookReceivedHandler(services), ...retry },
    },
  });
  let closed = false;
  return Object.assign(plugin, {
    movies,
    tv,
    syncs,
    libraryRoots: services.libraryRoots,
    libraries: services.libraries,
    database: db,
    close(): void {
      if (owned && !closed) {
        closed = true;
        db.close();
      }
    },
  });
}
