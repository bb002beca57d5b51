/**
 * Manual artwork selection, for hosts that turn `enrichment.autoSelectAssets` off: list
 * the candidates the enrich phase kept, pick one per kind, and publish again so the
 * choice reaches the movie folder.
 */
import { ValidationError, JOB_PRIORITY, type JobEnqueuer } from '../../index.js';
import type { MoviesRepository } from '../db/MoviesRepository.js';
import type { AssetRecord } from '../db/movieRecords.js';
import type { ArtworkKind } from '../types.js';

function checkId(value: number, name: string): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new ValidationError(`${name} must be a positive whole number, got ${String(value)}`, [
      { path: name, message: 'must be a positive whole number' },
    ]);
  }
}

/**
 * The artwork candidates of a movie, of one kind when given: selected first, then in the
 * order the enrich phase ranked them.
 *
 * @throws NotFoundError when the movie does not exist
 * @example
 * ```ts
 * const posters = listAssetCandidates(media.movies, movieId, 'poster');
 * ```
 */
export function listAssetCandidates(movies: MoviesRepository, movieId: number, kind?: ArtworkKind): AssetRecord[] {
  checkId(movieId, 'movieId');
  movies.require(movieId);
  return movies.assets(movieId, kind);
}

/** Options of {@link selectAsset}. */
export interface SelectAssetOptions {
  /**
   * Queue to enqueue the `publish` of the movie on, so the choice is written. Without
   * it only the selection is stored.
   */
  queue?: JobEnqueuer;
}

/** What {@link selectAsset} did. */
export interface SelectAssetResult {
  asset: AssetRecord;
  /** Id of the `publish` job enqueued, or null when no queue was given. */
  publishJobId: string | null;
}

/**
 * Selects one candidate as the movie's artwork of its kind (unselecting the others of
 * that kind) and, given a queue, enqueues a manual `publish` at `JOB_PRIORITY.HIGH`.
 *
 * @throws ValidationError for ids that are not positive whole numbers
 * @throws NotFoundError when the movie or the candidate does not exist
 * @example
 * ```ts
 * const [best] = listAssetCandidates(media.movies, movieId, 'poster');
 * await selectAsset(media.movies, movieId, best.id, { queue });
 * ```
 */
export async function selectAsset(
  movies: MoviesRepository,
  movieId: number,
  assetId: number,
  options: SelectAssetOptions = {},
): Promise<SelectAssetResult> {
  checkId(movieId, 'movieId');
  checkId(assetId, 'assetId');
  const movie = movies.require(movieId);
  const asset = movies.selectAsset(movieId, assetId);
  let publishJobId: string | null = null;
  if (options.queue) {
    publishJobId = await options.queue.addJob({
      type: 'publish',
      payload: { entityType: 'movie', entityId: movieId, libraryPath: movie.libraryPath, manual: true },
      priority: JOB_PRIORITY.HIGH,
      // No dedupe key: a publish already running may have read the old selection.
      manual: true,
    });
  }
  return { asset, publishJobId };
}
