/**
 * The `publish` phase: ALWAYS writes the movie's Kodi NFO; writes the selected artwork,
 * actor photos and trailer as the `publish` config says; then, when that changed anything
 * (or a player has not confirmed the movie yet), stamps the publish and enqueues or joins
 * each player's pending sync, due `playerSync.delaySeconds` later.
 *
 * Every path is built from the library root and checked by `resolveInside`, so neither a
 * stored folder with `..` in it nor a hostile actor name can make publish write outside
 * the library. Every file is written atomically; unchanged content is not rewritten, so
 * publishing twice leaves the folder as it was, and tells no player anything.
 */
import path from 'node:path';
import { UnrecoverableError, type JobContext, type Job } from '../../index.js';
import type { AssetRecord, MovieRecord } from '../db/movieRecords.js';
import { PathOutsideLibraryError } from '../errors.js';
import { downloadTo, resolveInside, writeFileAtomic } from '../files.js';
import { actorThumbFileName, artworkPathFor, buildMovieNfo, nfoPathsFor, type NfoRemoteArt } from '../nfo.js';
import type { PublishPayload } from '../schemas.js';
import type { MovieDetails } from '../types.js';
import { assertLibraryKind, isManual, type MediaServices } from './deps.js';
import { enqueuePlayerSyncs } from './playerSyncQueue.js';

/** What a `publish` job reports as its result. */
export interface PublishResult {
  movieId: number;
  /** Files written or confirmed unchanged, relative to the library root. */
  files: { path: string; written: boolean }[];
  /** Whether a file was written (false when everything on disk was already as published). */
  changed: boolean;
  /** Ids of the players' pending `notify-*` jobs this publish joined or enqueued (none when nothing changed). */
  notifyJobIds: string[];
}

/** What an NFO says about a movie the provider did not match: what the scan parsed. */
function scanDetails(movie: MovieRecord): MovieDetails {
  return {
    providerIds: {},
    title: movie.title,
    originalTitle: null,
    year: movie.year,
    plot: null,
    tagline: null,
    runtimeMinutes: null,
    genres: [],
    studios: [],
    premiered: null,
    rating: null,
    votes: null,
    certification: null,
    cast: [],
    directors: [],
    writers: [],
  };
}

function isRemote(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/**
 * The `<rating name="…">` of the provider that supplied the metadata: Kodi's own name for
 * TMDB's rating (`themoviedb`), otherwise the provider's name (e.g. `local`).
 */
export function ratingSourceOf(provider: string | null): string {
  if (provider === null || provider === 'tmdb') return 'themoviedb';
  return provider;
}

/**
 * Builds the `publish` handler.
 *
 * @example
 * ```ts
 * await queue.addJob({ type: 'publish', payload: { entityType: 'movie', entityId: 7, libraryPath: '/srv/movies' } });
 * ```
 */
export function createPublishHandler(services: MediaServices) {
  return async function publish(job: Job<'publish', PublishPayload>, ctx: JobContext): Promise<PublishResult> {
    const manual = isManual(job);
    const log = ctx.logger;
    const movie = services.movies.get(job.payload.entityId);
    if (!movie) {
      throw new UnrecoverableError(`Movie ${job.payload.entityId} does not exist (removed by a rescan?): nothing to publish`);
    }
    const root = path.resolve(job.payload.libraryPath);
    if (root !== path.resolve(movie.libraryPath)) {
      throw new PathOutsideLibraryError(root, movie.videoFile, `movie ${movie.id} belongs to the library "${movie.libraryPath}"`);
    }
    // Library kinds: a movie NFO never goes into a `tvshows` library (e.g. a movie stored before the library was one).
    assertLibraryKind(services, movie.videoFile, 'movies', 'publish');
    const config = await ctx.phases.getConfig('publish');
    const sync = await ctx.phases.getConfig('playerSync');
    // Relative to the root WITHOUT normalising first: a stored "../" stays visible and is refused.
    const relVideo = path.relative(root, movie.videoFile);
    const relFolder = path.relative(root, movie.path);
    const inside = (absoluteUnderVideoDir: string): Promise<string> =>
      resolveInside(root, path.join(path.dirname(relVideo), path.basename(absoluteUnderVideoDir)));
    await resolveInside(root, relVideo);

    const result: PublishResult = { movieId: movie.id, files: [], changed: false, notifyJobIds: [] };
    const record = (file: string, written: boolean): void => {
      result.files.push({ path: path.relative(root, file), written });
    };
    const selected = services.movies.selectedAssets(movie.id);
    const byKind = new Map<string, AssetRecord>(selected.map((a) => [a.kind, a]));

    // NFO first: it is what every player reads, and it is written whatever the settings.
    // It names artwork by URL only when that artwork is not saved beside the video (a
    // player reads the local file first, and a URL would only make its scanner fetch it),
    // and never by a local path of this machine, which means nothing to a player elsewhere.
    const cast = services.movies
      .actors(movie.id)
      .map(({ thumbUrl, ...actor }) => (thumbUrl !== undefined && isRemote(thumbUrl) && !config.actors ? { ...actor, thumbUrl } : actor));
    const details: MovieDetails = movie.metadata ? { ...movie.metadata, cast } : scanDetails(movie);
    const remoteArt: NfoRemoteArt = {};
    for (const a of selected) if (a.kind !== 'trailer' && isRemote(a.url) && !config.assets) remoteArt[a.kind] = a.url;
    const trailer = byKind.get('trailer');
    const xml = buildMovieNfo(details, {
      remoteArt,
      ratingSource: ratingSourceOf(movie.provider),
      ...(trailer && isRemote(trailer.url) && !(config.trailers && trailer.ext) ? { trailer: trailer.url } : {}),
    });
    for (const nfo of nfoPathsFor(movie.videoFile)) {
      const target = await inside(nfo);
      record(target, await writeFileAtomic(target, xml));
    }
    log.info({ movieId: movie.id, nfo: result.files[0]?.path }, 'publish: NFO written');

    if (config.assets) {
      for (const asset of selected) {
        if (asset.kind === 'trailer') continue;
        const target = await inside(artworkPathFor(movie.videoFile, asset.kind, asset.ext));
        const outcome = await downloadTo(asset.url, target, ctx.signal);
        record(target, outcome.outcome === 'written');
      }
      log.info({ movieId: movie.id, artwork: selected.filter((a) => a.kind !== 'trailer').length }, 'publish: artwork written');
    }

    if (config.actors) {
      let photos = 0;
      for (const actor of services.movies.actors(movie.id)) {
        if (!actor.thumbUrl) continue;
        const target = await resolveInside(root, path.join(relFolder, '.actors', actorThumbFileName(actor.name)));
        const outcome = await downloadTo(actor.thumbUrl, target, ctx.signal);
        record(target, outcome.outcome === 'written');
        photos += 1;
      }
      log.info({ movieId: movie.id, photos }, 'publish: actor photos written');
    }

    if (config.trailers && trailer?.ext) {
      const target = await inside(artworkPathFor(movie.videoFile, 'trailer', trailer.ext));
      const outcome = await downloadTo(trailer.url, target, ctx.signal);
      record(target, outcome.outcome === 'written');
      log.info({ movieId: movie.id, trailer: path.relative(root, target) }, 'publish: trailer written');
    }

    // Players hear of a publish that changed something, and of one they have not confirmed
    // yet (a first publish, or one whose sync failed for good): a rescan that rewrote
    // nothing tells them nothing.
    result.changed = result.files.some((file) => file.written);
    const unconfirmed = services.players.some((player) => services.syncs.isUnconfirmed(player.name, movie.id));
    if (result.changed || movie.publishedAt === null) services.movies.markPublished(movie.id);
    if (result.changed || movie.publishedAt === null || unconfirmed) {
      // The delay is the sync job's run time, not a sleep here.
      result.notifyJobIds = await enqueuePlayerSyncs(services, ctx.queue, { manual, delaySeconds: sync.delaySeconds });
    }
    // One sync job per configured player waits after this (new, or shared with an earlier
    // publish through its dedupe key); none when nothing changed or no player is configured.
    const notifyJobs = result.notifyJobIds.length;
    const done =
      notifyJobs > 0
        ? 'publish: done, players to sync'
        : services.players.length > 0
          ? 'publish: done, nothing for the players'
          : 'publish: done, no player configured';
    log.info({ movieId: movie.id, files: result.files.length, changed: result.changed, notifyJobs }, done);
    return result;
  };
}
