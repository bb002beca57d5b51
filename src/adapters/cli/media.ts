/**
 * The media pipeline's options (`scan`, `add`, and `worker --media-library`): which
 * metadata provider (`--catalogue` file or `--tmdb-key`), which players (`--players`
 * file), and the plugin built from them on the command's database connection.
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { ZodType } from 'zod';
import { UnrecoverableError } from '../../errors.js';
import type { LibraryInput } from '../../media/libraries.js';
import { createMediaPlugin, type MediaPlugin } from '../../media/plugin.js';
import { MEDIA_JOB_SCHEMAS } from '../../media/schemas.js';
import type { JobQueue } from '../../JobQueue.js';
import { LocalProvider } from '../../media/providers/LocalProvider.js';
import { TmdbProvider } from '../../media/providers/TmdbProvider.js';
import type { MetadataProvider, PlayerConfig } from '../../media/types.js';
import { UsageError } from './errors.js';
import { parseJsonArgument } from './parse.js';

/** Options added by {@link withMediaOptions}. */
export interface MediaCliOptions {
  catalogue?: string;
  tmdbKey?: string;
  tmdbUrl?: string;
  tmdbImageUrl?: string;
  players?: string;
}

/** Adds the provider and player options. */
export function withMediaOptions(command: Command): Command {
  return command
    .option('--catalogue <file>', 'metadata from a local JSON catalogue (LocalProvider)')
    .addOption(new Option('--tmdb-key <key>', 'metadata from TMDB with this v3 API key or v4 API Read Access Token').env('TMDB_API_KEY'))
    .option('--tmdb-url <url>', 'TMDB API root (default https://api.themoviedb.org/3)')
    .option('--tmdb-image-url <url>', 'TMDB image URL prefix (default https://image.tmdb.org/t/p/original)')
    .option('--players <file>', 'JSON file with the list of players to notify (kodi, jellyfin, plex)');
}

/**
 * The provider the options name. A `--catalogue` file is read and validated here, before
 * any job runs: a missing or broken file is a usage error, not four failed attempts of
 * every enrich job.
 *
 * @throws UsageError when none, or both, is named, or the catalogue cannot be used
 */
async function providerFrom(options: MediaCliOptions): Promise<MetadataProvider> {
  if (options.catalogue && options.tmdbKey) {
    throw new UsageError('Give either --catalogue or --tmdb-key, not both');
  }
  if (options.catalogue) {
    const cataloguePath = path.resolve(options.catalogue);
    const provider = new LocalProvider({ cataloguePath });
    try {
      await provider.verify();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new UsageError(`--catalogue ${cataloguePath} cannot be used: ${reason}`, { cause: error });
    }
    return provider;
  }
  if (options.tmdbKey) {
    return new TmdbProvider({ apiKey: options.tmdbKey, baseUrl: options.tmdbUrl, imageBaseUrl: options.tmdbImageUrl });
  }
  throw new UsageError('The media pipeline needs a metadata provider: give --catalogue <file> or --tmdb-key <key>');
}

/** The players listed in the `--players` file (the plugin checks each entry). */
function playersFrom(options: MediaCliOptions): PlayerConfig[] {
  if (!options.players) return [];
  const list = parseJsonArgument(`@${options.players}`, '--players');
  if (!Array.isArray(list)) throw new UsageError(`--players file ${path.resolve(options.players)} must hold a JSON array of players`);
  // Each entry's kind, name and uniqueness are validated by createMediaPlugin.
  return list as PlayerConfig[];
}

/**
 * Builds the media plugin on an open database. A library given as a plain path is a
 * `movies` library; `{ path, kind: 'tvshows' }` a TV one.
 *
 * @throws UsageError for missing, conflicting or unusable provider options; ValidationError for bad players
 */
export async function createMediaFromOptions(
  options: MediaCliOptions,
  database: SqliteDatabase,
  libraryRoots: readonly LibraryInput[],
): Promise<MediaPlugin> {
  return createMediaPlugin({
    database,
    provider: await providerFrom(options),
    players: playersFrom(options),
    libraryRoots: libraryRoots.map((root) => (typeof root === 'string' ? path.resolve(root) : { ...root, path: path.resolve(root.path) })),
  });
}

const MEDIA_SCHEMAS: ReadonlyMap<string, ZodType> = new Map<string, ZodType>(Object.entries(MEDIA_JOB_SCHEMAS));

/** Whether the options name a metadata provider (so the full media plugin can be built). */
export function hasMediaProvider(options: MediaCliOptions): boolean {
  return Boolean(options.catalogue || options.tmdbKey);
}

/**
 * Registers the payload schema of one media job type on a queue that only enqueues (its
 * handler refuses to run: a worker with `--media-library` does). Returns false when
 * `type` is not a media job type.
 */
export function registerMediaSchema(queue: JobQueue, type: string): boolean {
  const schema = MEDIA_SCHEMAS.get(type);
  if (!schema) return false;
  queue.registry.register(
    type,
    () => {
      throw new UnrecoverableError(`${type} is only enqueued by this process; run it with phaseq worker --media-library`);
    },
    { schema },
  );
  return true;
}
