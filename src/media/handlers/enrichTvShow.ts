/**
 * The `enrich-tvshow` phase: looks a show up at the provider's series capability, stores
 * its details, the data of the seasons on disk and their episodes, keeps artwork
 * candidates (show poster, fanart, clear logo; season posters; episode stills) and
 * selects the best as the `enrichment` config says, then ALWAYS enqueues `publish-tvshow`.
 *
 * Only what is missing is fetched: a show matched from its current folder name keeps its
 * details, and only seasons with episodes that have no metadata yet are read again (a
 * manual job reads everything). A provider without series, a show it does not know, or an
 * episode it does not list is not a failure: publish writes what the scan knows.
 */
import { UnrecoverableError, type JobContext, type Job } from '../../index.js';
import type { TvAssetInput, TvAssetRecord, TvEpisodeRecord, TvShowRecord } from '../db/tvRecords.js';
import { ProviderError } from '../errors.js';
import { pickSeriesArtwork, type SeriesAssetRules } from '../tv/artwork.js';
import type { EnrichTvShowPayload } from '../tv/schemas.js';
import type { EpisodeDetails, SeasonDetails, SeasonSummary, SeriesArtworkCandidate, SeriesDetails, SeriesProvider } from '../tv/types.js';
import { chainPriority, enrichTvShowDedupeKey, isManual, type MediaServices } from './deps.js';

/** What an `enrich-tvshow` job reports as its result. */
export interface EnrichTvShowResult {
  showId: number;
  /** Provider id of the match, or null when there is none (or no series provider). */
  providerId: string | null;
  /** Seasons read from the provider. */
  seasonsFetched: number[];
  /** Episodes on disk with metadata after this job, and without. */
  episodesMatched: number;
  episodesUnmatched: number;
  /** Artwork candidates kept in this job. */
  candidates: number;
  publishJobId: string;
  /** Id of the follow-up enrichment enqueued because a rescan changed the show meanwhile, or null. */
  followUpJobId: string | null;
}

/**
 * The season a daily show's air date falls in: the last regular season that began on or
 * before it (seasons of daily shows are usually years).
 */
export function seasonOfAirDate(seasons: readonly SeasonSummary[], aired: string): number | null {
  let found: number | null = null;
  for (const season of [...seasons]
    .filter((s) => s.seasonNumber > 0 && s.premiered)
    .sort((a, b) => (a.premiered! < b.premiered! ? -1 : 1))) {
    if (season.premiered! <= aired) found = season.seasonNumber;
  }
  return found;
}

/**
 * The provider's match for a show: ids written in its folder name go along, so the
 * provider can look them up before searching by title (a person's `{tvdb-81189}` beats any
 * search). Providers return only real matches, so the first one is taken.
 */
async function findMatch(series: SeriesProvider, show: TvShowRecord, language: string, signal: AbortSignal): Promise<string | null> {
  const query = { title: show.title, language, ids: { ...show.idHints }, ...(show.year === null ? {} : { year: show.year }) };
  const [hit] = await series.searchSeries(query, signal);
  return hit?.id ?? null;
}

/** The show's details, or null when the provider no longer knows the id it matched (404). */
async function detailsOf(
  series: SeriesProvider,
  id: string,
  options: { language: string; country: string },
  signal: AbortSignal,
): Promise<SeriesDetails | null> {
  try {
    return await series.seriesDetails(id, options, signal);
  } catch (error) {
    if (error instanceof ProviderError && error.status === 404) return null;
    throw error;
  }
}

/**
 * Builds the `enrich-tvshow` handler.
 *
 * @example
 * ```ts
 * await queue.addJob({ type: 'enrich-tvshow', payload: { entityType: 'tvshow', entityId: 3, manual: true }, manual: true });
 * ```
 */
export function createEnrichTvShowHandler(services: MediaServices) {
  return async function enrichTvShow(job: Job<'enrich-tvshow', EnrichTvShowPayload>, ctx: JobContext): Promise<EnrichTvShowResult> {
    const manual = isManual(job);
    const log = ctx.logger;
    const show = services.tv.getShow(job.payload.entityId);
    if (!show) throw new UnrecoverableError(`Show ${job.payload.entityId} does not exist (removed by a rescan?): nothing to enrich`);
    const rules = await ctx.phases.getConfig('enrichment');
    const result: EnrichTvShowResult = {
      showId: show.id,
      providerId: null,
      seasonsFetched: [],
      episodesMatched: 0,
      episodesUnmatched: 0,
      candidates: 0,
      publishJobId: '',
      followUpJobId: null,
    };
    const episodes = services.tv.files(show.id).flatMap((f) => f.episodes);
    const series = services.provider.series;

    if (!series) {
      log.info({ showId: show.id, provider: services.provider.name }, 'enrich: the provider has no series, publishing what the scan knows');
    } else {
      const rematch = manual || !services.tv.matchIsCurrent(show) || show.providerId === null;
      const providerId = rematch ? await findMatch(series, show, rules.language, ctx.signal) : show.providerId;
      const details =
        providerId === null
          ? null
          : !rematch && show.metadata
            ? show.metadata
            : await detailsOf(series, providerId, { language: rules.language, country: rules.certificationCountry }, ctx.signal);
      if (providerId === null || details === null) {
        log.warn(
          { showId: show.id, title: show.title, year: show.year, providerId },
          providerId === null
            ? 'enrich: no match at the provider, publishing what the scan knows'
            : 'enrich: the provider no longer knows its match (404), publishing what the scan knows',
        );
      } else {
        log.info({ showId: show.id, title: show.title, providerId, rematch }, 'enrich: reading the show');
        const wanted = seasonsToRead(episodes, details, rematch);
        const seasons = new Map<number, SeasonDetails>();
        for (const number of wanted) {
          ctx.signal.throwIfAborted();
          try {
            seasons.set(number, await series.seasonDetails(providerId, number, { language: rules.language }, ctx.signal));
          } catch (error) {
            // A season the provider does not list (yet) leaves its episodes as the scan read them.
            if (error instanceof ProviderError && error.status === 404) {
              log.warn({ showId: show.id, season: number }, 'enrich: the provider does not know this season');
              continue;
            }
            throw error;
          }
        }
        result.seasonsFetched = [...seasons.keys()];
        const assets = await collectArtwork(services, series, { show, providerId, seasons, episodes, rules, all: rematch }, ctx.signal);
        const matched = matchEpisodes(episodes, details, seasons);
        services.tv.saveEnrichment(show.id, {
          provider: services.provider.name,
          providerId,
          details,
          seasons: details.seasons.filter((s) => seasons.has(s.seasonNumber) || episodes.some((e) => e.season === s.seasonNumber)),
          episodes: matched,
          replace: { showArtwork: rematch, seasons: [...seasons.keys()] },
          assets,
        });
        result.providerId = providerId;
        result.candidates = assets.length;
      }
    }
    const after = services.tv.files(show.id).flatMap((f) => f.episodes);
    result.episodesMatched = after.filter((e) => e.metadata !== null).length;
    result.episodesUnmatched = after.length - result.episodesMatched;
    log.info({ ...result, publishJobId: undefined }, 'enrich: stored');

    // Chaining is unconditional: publish always runs, the settings decide what it writes.
    result.publishJobId = await ctx.queue.addJob({
      type: 'publish-tvshow',
      payload: { entityType: 'tvshow', entityId: show.id, libraryPath: show.libraryPath, manual },
      priority: chainPriority(manual),
      manual,
    });

    // A rescan that changed the show while this job ran joined it (same dedupe key), but
    // this job read the episodes before: look again.
    const latest = services.tv.getShow(show.id);
    if (latest && latest.revision !== show.revision) {
      result.followUpJobId = await ctx.queue.addJob({
        type: 'enrich-tvshow',
        payload: job.payload,
        priority: job.priority,
        manual: job.manual,
        dedupeKey: `${enrichTvShowDedupeKey(show.id)}:after:${job.id}`,
      });
      log.info({ showId: show.id, followUpJobId: result.followUpJobId }, 'enrich: show changed meanwhile, follow-up enqueued');
    }
    return result;
  };
}

/** Seasons to read: every season on disk after a new match, else those with episodes lacking metadata. */
function seasonsToRead(episodes: readonly TvEpisodeRecord[], details: SeriesDetails, all: boolean): number[] {
  const wanted = new Set<number>();
  for (const e of episodes) {
    if (!all && e.enrichedAt !== null) continue;
    const season = e.season ?? (e.aired === null ? null : seasonOfAirDate(details.seasons, e.aired));
    if (season !== null) wanted.add(season);
  }
  return [...wanted].sort((a, b) => a - b);
}

/** The provider's episode for each episode on disk that it lists: by number, or by air date for daily shows. */
function matchEpisodes(
  episodes: readonly TvEpisodeRecord[],
  details: SeriesDetails,
  seasons: ReadonlyMap<number, SeasonDetails>,
): { episodeId: number; details: EpisodeDetails }[] {
  const out: { episodeId: number; details: EpisodeDetails }[] = [];
  for (const e of episodes) {
    let found: EpisodeDetails | undefined;
    if (e.aired !== null && e.season === null) {
      const season = seasonOfAirDate(details.seasons, e.aired);
      found = season === null ? undefined : seasons.get(season)?.episodes.find((p) => p.aired === e.aired);
    } else if (e.season !== null && e.episode !== null) {
      found = seasons.get(e.season)?.episodes.find((p) => p.episodeNumber === e.episode);
    }
    if (found) out.push({ episodeId: e.id, details: found });
  }
  return out;
}

/** What {@link collectArtwork} works on. */
interface ArtworkScope {
  show: TvShowRecord;
  providerId: string;
  /** The seasons read in this job: their posters and their episodes' stills are replaced. */
  seasons: ReadonlyMap<number, SeasonDetails>;
  /** The episodes on disk. */
  episodes: readonly TvEpisodeRecord[];
  rules: SeriesAssetRules;
  /** A new match or a manual job: every episode's stills are read again, and the show's artwork. */
  all: boolean;
}

/**
 * Candidates of the replaced scopes, selected by the rules (manual choices kept when
 * auto-selection is off). Episode stills come from the provider's `episodeArtwork` when it
 * has one, only for episodes on disk whose data this job reads; the stored candidates of
 * the other episodes of a replaced season are kept as they are, so one new episode costs
 * one request, not one per episode of its season.
 */
async function collectArtwork(
  services: MediaServices,
  series: SeriesProvider,
  scope: ArtworkScope,
  signal: AbortSignal,
): Promise<TvAssetInput[]> {
  const { show, providerId, seasons, episodes, rules, all } = scope;
  if (!rules.fetchProviderAssets) return [];
  const stored = services.tv.assets(show.id);
  const previous = (kind: TvAssetRecord['scope'], season = 0, episode = 0) =>
    new Set(stored.filter((a) => a.selected && a.scope === kind && a.season === season && a.episode === episode).map((a) => a.url));
  const assets: TvAssetInput[] = [];
  if (all) {
    const art = await series.seriesArtwork(providerId, { language: rules.language }, signal);
    const limits = [
      ['poster', rules.maxPoster],
      ['fanart', rules.maxFanart],
      ['clearlogo', rules.maxLogo],
    ] as const;
    for (const [kind, limit] of limits) {
      for (const a of pickSeriesArtwork(art, kind, limit, rules, previous('show')))
        assets.push({ ...a, scope: 'show', season: 0, episode: 0 });
    }
  }
  for (const [number, season] of seasons) {
    for (const a of pickSeriesArtwork(season.artwork, 'poster', rules.maxPoster, rules, previous('season', number))) {
      assets.push({ ...a, scope: 'season', season: number, episode: 0 });
    }
    if (rules.maxEpisodeThumb === 0) continue;
    for (const episode of season.episodes) {
      // Stills only of episodes on disk (a daily show's are matched by date, numbered on save).
      const onDisk = episodes.filter(
        (e) =>
          (e.season === number && e.episode === episode.episodeNumber) ||
          (e.season === null && e.aired !== null && e.aired === episode.aired),
      );
      if (onDisk.length === 0) continue;
      let stills: readonly SeriesArtworkCandidate[] = episode.thumbs;
      if (series.episodeArtwork) {
        const known = stored.filter((a) => a.scope === 'episode' && a.season === number && a.episode === episode.episodeNumber);
        const reread = all || known.length === 0 || onDisk.some((e) => e.enrichedAt === null);
        stills = reread
          ? await series.episodeArtwork(providerId, number, episode.episodeNumber, { language: rules.language }, signal)
          : known;
      }
      const picked = pickSeriesArtwork(stills, 'thumb', rules.maxEpisodeThumb, rules, previous('episode', number, episode.episodeNumber));
      for (const a of picked) {
        const { kind, url, language, width, height, votes, ext } = a;
        assets.push({
          kind,
          url,
          language,
          width,
          height,
          votes,
          ...(ext ? { ext } : {}),
          selected: a.selected,
          scope: 'episode',
          season: number,
          episode: episode.episodeNumber,
        });
      }
    }
  }
  return assets;
}
