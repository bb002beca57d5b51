/**
 * The `publish-tvshow` phase: ALWAYS writes the show's `tvshow.nfo` and the NFO of every
 * episode file that changed since its last publish (every one when manual); writes the
 * selected show artwork, season posters, episode stills and actor photos as the `publish`
 * config says; then, when that changed anything (or a player has not confirmed the show
 * yet), stamps what changed and enqueues or joins each player's pending sync, as movies do.
 *
 * Every path is built from the library root and checked by `resolveInside`, and every
 * file is written atomically with unchanged content left alone, as for movies.
 */
import path from 'node:path';
import { UnrecoverableError, type JobContext, type Job } from '../../index.js';
import type { TvAssetRecord, TvEpisodeRecord, TvFileRecord, TvSeasonRecord, TvShowRecord } from '../db/tvRecords.js';
import { PathOutsideLibraryError } from '../errors.js';
import { downloadTo, resolveInside, writeFileAtomic } from '../files.js';
import { actorThumbFileName } from '../nfo.js';
import { episodeNfoPath, episodeThumbPath, seasonPosterPath, showArtworkPath } from '../tv/artwork.js';
import { buildEpisodeNfo, buildTvShowNfo, type EpisodeNfoDetails, type EpisodeNfoEntry } from '../tv/nfo.js';
import type { PublishTvShowPayload } from '../tv/schemas.js';
import type { SeriesDetails } from '../tv/types.js';
import { assertLibraryKind, isInside, isManual, type MediaServices } from './deps.js';
import { ratingSourceOf } from './publish.js';
import { enqueuePlayerSyncs } from './playerSyncQueue.js';

/** What a `publish-tvshow` job reports as its result. */
export interface PublishTvShowResult {
  showId: number;
  /** Files written or confirmed unchanged, relative to the library root. */
  files: { path: string; written: boolean }[];
  /** Episode files whose NFO was written in this job (relative to the library root). */
  episodeFiles: string[];
  /** Whether a file was written (false when everything on disk was already as published). */
  changed: boolean;
  /** Ids of the players' pending `notify-*` jobs this publish joined or enqueued (none when nothing changed). */
  notifyJobIds: string[];
}

function isRemote(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** What `tvshow.nfo` says of a show the provider did not match: what the scan parsed. */
function scanDetails(show: TvShowRecord): SeriesDetails {
  return {
    providerIds: {},
    title: show.title,
    originalTitle: null,
    year: show.year,
    plot: null,
    premiered: null,
    status: null,
    genres: [],
    studios: [],
    certification: null,
    rating: null,
    votes: null,
    runtimeMinutes: null,
    cast: [],
    seasons: [],
  };
}

/** What an episode NFO says of an episode the provider did not match: its numbers (or date) from the name. */
function scanEpisode(episode: TvEpisodeRecord): EpisodeNfoDetails {
  const title = episode.episode !== null ? `Episode ${episode.episode}` : (episode.aired ?? 'Episode');
  return {
    providerIds: {},
    // A daily show's unmatched episode has no numbers: Kodi then goes by the date (`aired`).
    seasonNumber: episode.season,
    episodeNumber: episode.episode,
    title,
    plot: null,
    aired: episode.aired,
    runtimeMinutes: null,
    rating: null,
    votes: null,
    directors: [],
    writers: [],
    guestStars: [],
  };
}

/**
 * Season names for `namedseason`: the provider's only. Without one Kodi shows its own,
 * translated name ("Season 1", "Staffel 1"), which a written English default would override.
 */
function seasonNames(seasons: readonly TvSeasonRecord[]): Map<number, string> {
  return new Map(seasons.filter((s) => s.name !== null).map((s) => [s.seasonNumber, s.name!]));
}

/**
 * Builds the `publish-tvshow` handler.
 *
 * @example
 * ```ts
 * await queue.addJob({ type: 'publish-tvshow', payload: { entityType: 'tvshow', entityId: 3, libraryPath: '/srv/tv' } });
 * ```
 */
export function createPublishTvShowHandler(services: MediaServices) {
  return async function publishTvShow(job: Job<'publish-tvshow', PublishTvShowPayload>, ctx: JobContext): Promise<PublishTvShowResult> {
    const manual = isManual(job);
    const log = ctx.logger;
    const show = services.tv.getShow(job.payload.entityId);
    if (!show) throw new UnrecoverableError(`Show ${job.payload.entityId} does not exist (removed by a rescan?): nothing to publish`);
    const root = path.resolve(job.payload.libraryPath);
    if (root !== path.resolve(show.libraryPath)) {
      throw new PathOutsideLibraryError(root, show.path, `show ${show.id} belongs to the library "${show.libraryPath}"`);
    }
    // Library kinds: TV files never go into a `movies` library.
    assertLibraryKind(services, show.path, 'tvshows', 'publish-tvshow');
    if (!isInside(root, path.resolve(show.path)) || path.resolve(show.path) === root) {
      throw new PathOutsideLibraryError(root, show.path, 'a show folder must lie inside its library');
    }
    const config = await ctx.phases.getConfig('publish');
    const sync = await ctx.phases.getConfig('playerSync');
    // Relative to the root WITHOUT normalising first: a stored "../" stays visible and is refused.
    const inside = (absolute: string): Promise<string> => resolveInside(root, path.relative(root, absolute));
    const result: PublishTvShowResult = { showId: show.id, files: [], episodeFiles: [], changed: false, notifyJobIds: [] };
    // What was written anew, by owner: the show's own files, or one episode file's (its id).
    // Players hear only of what changed.
    let showWritten = false;
    const fileWritten = new Set<number>();
    const record = (file: string, written: boolean, episodeFileId?: number): void => {
      result.files.push({ path: path.relative(root, file), written });
      if (!written) return;
      if (episodeFileId === undefined) showWritten = true;
      else fileWritten.add(episodeFileId);
    };
    const selected = services.tv.selectedAssets(show.id);
    const pick = (scope: TvAssetRecord['scope'], kind: string, season = 0, episode = 0) =>
      selected.find((a) => a.scope === scope && a.kind === kind && a.season === season && a.episode === episode);
    const seasons = services.tv.seasons(show.id);
    const files = services.tv.files(show.id);
    // Check every path before writing anything: a bad one stops the job with nothing written.
    await inside(path.join(show.path, 'tvshow.nfo'));
    for (const f of files) await inside(f.videoFile);

    // tvshow.nfo first: it is what tells Kodi there is a show, and it is written whatever the settings.
    // It names artwork by URL only when that artwork is not saved beside it (a player reads
    // the local file first, and a URL would only make its scanner fetch it), and never by a
    // local path of this machine, which means nothing to a player elsewhere.
    const poster = pick('show', 'poster');
    const remoteArt: { poster?: string; fanart?: string; clearlogo?: string } = {};
    for (const kind of ['poster', 'fanart', 'clearlogo'] as const) {
      const asset = pick('show', kind);
      if (asset && isRemote(asset.url) && !config.assets) remoteArt[kind] = asset.url;
    }
    const details = show.metadata ?? scanDetails(show);
    const cast = details.cast.map(({ thumbUrl, ...actor }) =>
      thumbUrl !== undefined && isRemote(thumbUrl) && !config.actors ? { ...actor, thumbUrl } : actor,
    );
    // The rating is named after the provider that supplied it (Kodi's `themoviedb` for TMDB).
    const ratingSource = ratingSourceOf(show.provider);
    const showNfo = await inside(path.join(show.path, 'tvshow.nfo'));
    record(
      showNfo,
      await writeFileAtomic(showNfo, buildTvShowNfo({ ...details, cast }, { seasonNames: seasonNames(seasons), remoteArt, ratingSource })),
    );

    // Episode NFOs: the files that changed since they were last written.
    const due = manual ? files : files.filter((f) => f.publishedRevision === null || f.publishedRevision < f.revision);
    for (const file of due) {
      ctx.signal.throwIfAborted();
      const entries: EpisodeNfoEntry[] = file.episodes.map((episode) => {
        const entry: EpisodeNfoEntry = { details: episodeDetails(episode) };
        const thumb =
          episode.season === null || episode.episode === null ? undefined : pick('episode', 'thumb', episode.season, episode.episode);
        if (thumb && isRemote(thumb.url) && !config.assets) entry.remoteThumb = thumb.url;
        return entry;
      });
      const nfo = await inside(episodeNfoPath(file.videoFile));
      record(nfo, await writeFileAtomic(nfo, buildEpisodeNfo(entries, { ratingSource })), file.id);
      result.episodeFiles.push(path.relative(root, file.videoFile));
    }
    log.info({ showId: show.id, episodeNfos: due.length, of: files.length }, 'publish: NFOs written');

    if (config.assets) {
      const writeArt = async (asset: TvAssetRecord | undefined, target: string, episodeFileId?: number): Promise<void> => {
        if (!asset) return;
        const outcome = await downloadTo(asset.url, await inside(target), ctx.signal);
        record(target, outcome.outcome === 'written', episodeFileId);
      };
      for (const kind of ['poster', 'fanart', 'clearlogo'] as const) {
        const asset = pick('show', kind);
        if (asset) await writeArt(asset, showArtworkPath(show.path, kind, asset.ext));
      }
      // Kodi's "all seasons" entry shows the show's poster.
      if (poster) await writeArt(poster, seasonPosterPath(show.path, 'all', poster.ext));
      for (const season of seasons) {
        const asset = pick('season', 'poster', season.seasonNumber);
        if (asset) await writeArt(asset, seasonPosterPath(show.path, season.seasonNumber, asset.ext));
      }
      for (const file of due) {
        const first = file.episodes[0];
        const still =
          first && first.season !== null && first.episode !== null ? pick('episode', 'thumb', first.season, first.episode) : undefined;
        if (still) await writeArt(still, episodeThumbPath(file.videoFile, still.ext), file.id);
      }
      log.info({ showId: show.id, artwork: result.files.filter((f) => !f.path.endsWith('.nfo')).length }, 'publish: artwork written');
    }

    if (config.actors) {
      let photos = 0;
      for (const actor of show.metadata?.cast ?? []) {
        if (!actor.thumbUrl) continue;
        const target = await inside(path.join(show.path, '.actors', actorThumbFileName(actor.name)));
        const outcome = await downloadTo(actor.thumbUrl, target, ctx.signal);
        record(target, outcome.outcome === 'written');
        photos += 1;
      }
      log.info({ showId: show.id, photos }, 'publish: actor photos written');
    }

    // Stamped only where something new was written (and on a first publish): the players'
    // syncs compare these stamps with what each player confirmed.
    services.tv.markPublished(show.id, {
      show: showWritten,
      files: due.map((f: TvFileRecord) => ({ id: f.id, revision: f.revision, changed: fileWritten.has(f.id) })),
    });
    // Players hear of a publish that changed something, and of a show they have not
    // confirmed all of yet (a first publish, or a sync that failed for good): a rescan
    // that rewrote nothing tells them nothing. The delay is the sync job's run time.
    result.changed = showWritten || fileWritten.size > 0;
    const unconfirmed = services.players.some((player) => services.syncs.isShowUnconfirmed(player.name, show.id));
    if (result.changed || unconfirmed) {
      result.notifyJobIds = await enqueuePlayerSyncs(services, ctx.queue, { manual, delaySeconds: sync.delaySeconds });
    }
    const done =
      result.notifyJobIds.length > 0
        ? 'publish: done, players to sync'
        : services.players.length > 0
          ? 'publish: done, nothing for the players'
          : 'publish: done, no player configured';
    log.info({ showId: show.id, files: result.files.length, changed: result.changed, notifyJobs: result.notifyJobIds.length }, done);
    return result;
  };
}

/** The details an episode's NFO block is built from: the provider's, with the numbers the file is known by. */
function episodeDetails(episode: TvEpisodeRecord): EpisodeNfoDetails {
  if (!episode.metadata) return scanEpisode(episode);
  // Kodi matches a block to the file by <episode>; keep the numbers the scan read (a daily
  // show's come from the provider and were stored with the episode).
  return {
    ...episode.metadata,
    seasonNumber: episode.season ?? episode.metadata.seasonNumber,
    episodeNumber: episode.episode ?? episode.metadata.episodeNumber,
  };
}
