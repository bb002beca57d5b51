/**
 * The `enrich-metadata` phase: looks a movie up at the metadata provider, stores its
 * details and cast (always), keeps artwork candidates and selects the best of each kind
 * (as the `enrichment` config says), then ALWAYS enqueues `publish`.
 *
 * Provider failures are thrown, so the attempt fails and the queue's retries apply. A
 * movie the provider does not know is not a failure: it is published with what the scan
 * knew (title, year), so the chain never stops half-way, and stamped as enriched, so an
 * unchanged file is not looked up again on the next scan.
 */
import { UnrecoverableError, type JobContext, type Job } from '../../index.js';
import type { MovieRecord } from '../db/movieRecords.js';
import type { EnrichMetadataPayload } from '../schemas.js';
import { ProviderError } from '../errors.js';
import type { ArtworkCandidate, ArtworkKind, MovieDetails, MovieSearchResult } from '../types.js';
import { chainPriority, enrichDedupeKey, isManual, type MediaServices } from './deps.js';
import { pickCandidates } from '../ranking.js';

/** What an `enrich-metadata` job reports as its result. */
export interface EnrichMetadataResult {
  movieId: number;
  /** Provider id of the match, or null when the provider knows no such movie. */
  providerId: string | null;
  actors: number;
  /** Candidates kept per kind. */
  candidates: Partial<Record<ArtworkKind, number>>;
  /** Kinds that have a selected asset. */
  selected: ArtworkKind[];
  publishJobId: string;
  /** Id of the follow-up enrichment enqueued because a rescan changed the movie meanwhile, or null. */
  followUpJobId: string | null;
}

/** Did a rescan change what the search is based on? */
function scannedChanged(before: MovieRecord, after: MovieRecord): boolean {
  return (
    JSON.stringify(before.idHints) !== JSON.stringify(after.idHints) ||
    before.title !== after.title ||
    before.year !== after.year ||
    before.fileSize !== after.fileSize ||
    before.mtime !== after.mtime
  );
}

/**
 * The provider's match for a movie: ids written in its folder or file name go along, so
 * the provider can look them up before searching by title (a person's "{tmdb-603}" beats
 * any search). Providers return only real matches, so the first one is taken.
 */
async function findMatch(
  services: MediaServices,
  movie: MovieRecord,
  language: string,
  signal: AbortSignal,
): Promise<MovieSearchResult | null> {
  // The provider's own id from an earlier match comes first (a title corrected at the
  // provider must not lose its movie); ids written in the folder name override it.
  const matched = movie.provider === services.provider.name && movie.providerId ? { [movie.provider]: movie.providerId } : {};
  const query = {
    title: movie.title,
    language,
    ids: { ...matched, ...movie.idHints },
    ...(movie.year === null ? {} : { year: movie.year }),
  };
  const [hit] = await services.provider.search(query, signal);
  return hit ?? null;
}

/** The details, or null when the provider no longer knows the id it just matched (404). */
async function detailsOf(
  services: MediaServices,
  id: string,
  options: { language: string; country: string },
  signal: AbortSignal,
): Promise<MovieDetails | null> {
  try {
    return await services.provider.details(id, options, signal);
  } catch (error) {
    if (error instanceof ProviderError && error.status === 404) return null;
    throw error;
  }
}

/**
 * Builds the `enrich-metadata` handler.
 *
 * @example
 * ```ts
 * await queue.addJob({ type: 'enrich-metadata', payload: { entityType: 'movie', entityId: 7, manual: true }, manual: true });
 * ```
 */
export function createEnrichMetadataHandler(services: MediaServices) {
  return async function enrichMetadata(job: Job<'enrich-metadata', EnrichMetadataPayload>, ctx: JobContext): Promise<EnrichMetadataResult> {
    const manual = isManual(job);
    const log = ctx.logger;
    const movie = services.movies.get(job.payload.entityId);
    if (!movie) {
      throw new UnrecoverableError(`Movie ${job.payload.entityId} does not exist (removed by a rescan?): nothing to enrich`);
    }
    const rules = await ctx.phases.getConfig('enrichment');
    const provider = services.provider;
    log.info({ movieId: movie.id, title: movie.title, year: movie.year, provider: provider.name }, 'enrich: searching');

    const result: EnrichMetadataResult = {
      movieId: movie.id,
      providerId: null,
      actors: 0,
      candidates: {},
      selected: [],
      publishJobId: '',
      followUpJobId: null,
    };
    const hit = await findMatch(services, movie, rules.language, ctx.signal);
    // Actors are always part of the details: the NFO needs them whatever the settings.
    const details = hit
      ? await detailsOf(services, hit.id, { language: rules.language, country: rules.certificationCountry }, ctx.signal)
      : null;
    if (!hit || !details) {
      // Stamped as enriched: an unchanged file is not looked up (and published) again on every scan.
      services.movies.markUnmatched(movie.id);
      log.warn(
        { movieId: movie.id, title: movie.title, year: movie.year, providerId: hit?.id ?? null },
        hit
          ? 'enrich: the provider no longer knows its match (404), publishing what the scan knows'
          : 'enrich: no match at the provider, publishing what the scan knows',
      );
    } else {
      let assets: (ArtworkCandidate & { selected: boolean })[] = [];
      if (rules.fetchProviderAssets) {
        const artwork = await provider.artwork(hit.id, { language: rules.language }, ctx.signal);
        const before = new Set(services.movies.selectedAssets(movie.id).map((a) => a.url));
        assets = pickCandidates(artwork, rules, before);
        log.debug({ movieId: movie.id, offered: artwork.length, kept: assets.length }, 'enrich: artwork candidates');
      }
      services.movies.saveEnrichment(movie.id, { provider: provider.name, providerId: hit.id, details, assets });
      result.providerId = hit.id;
      result.actors = details.cast.length;
      for (const a of assets) {
        result.candidates[a.kind] = (result.candidates[a.kind] ?? 0) + 1;
        if (a.selected) result.selected.push(a.kind);
      }
      log.info(
        { movieId: movie.id, providerId: hit.id, actors: result.actors, candidates: result.candidates, selected: result.selected },
        'enrich: stored',
      );
    }

    // Chaining is unconditional: publish always runs, the settings decide what it writes.
    // No dedupe key: each enrichment is followed by its own publish, so a publish already
    // running with older data never swallows this one.
    result.publishJobId = await ctx.queue.addJob({
      type: 'publish',
      payload: { entityType: 'movie', entityId: movie.id, libraryPath: movie.libraryPath, manual },
      priority: chainPriority(manual),
      manual,
    });

    // A rescan that changed the movie while this job ran joined it (same dedupe key) but
    // this job searched with the old title: look it up again.
    const after = services.movies.get(movie.id);
    if (after && scannedChanged(movie, after)) {
      result.followUpJobId = await ctx.queue.addJob({
        type: 'enrich-metadata',
        payload: job.payload,
        priority: job.priority,
        manual: job.manual,
        dedupeKey: `${enrichDedupeKey(movie.id)}:after:${job.id}`,
      });
      log.info({ movieId: movie.id, followUpJobId: result.followUpJobId }, 'enrich: movie changed meanwhile, follow-up enqueued');
    }
    return result;
  };
}
