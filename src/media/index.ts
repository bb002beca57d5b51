/**
 * `phaseq/media`: the reference media pipeline (scan -> enrich -> publish -> notify) as a
 * plugin, for movie and TV libraries, with its job schemas, metadata providers, player
 * notifiers, data access and file helpers. Re-exports only.
 */
export { createMediaPlugin, type MediaPlugin, type MediaPluginOptions } from './plugin.js';
export { LIBRARY_KINDS, libraryContaining, type LibraryKind, type LibraryRoot, type LibraryInput } from './libraries.js';
export {
  listLibraries,
  libraryStatus,
  libraryById,
  enqueueLibraryScan,
  LIBRARY_PHASES,
  type LibraryPhase,
  type LibraryProgress,
  type LibraryStatus,
  type LibraryStatusContext,
  type LibraryScanRequest,
  type PhaseJobCounts,
  type JobReader,
} from './libraryStatus.js';
export type { MovieLibraryCounts, TvLibraryCounts } from './db/libraryCounts.js';
export {
  scanTvSchema,
  enrichTvShowSchema,
  publishTvShowSchema,
  TV_JOB_SCHEMAS,
  MAX_SCAN_PATHS,
  type ScanTvPayload,
  type EnrichTvShowPayload,
  type PublishTvShowPayload,
} from './tv/schemas.js';
export type { ScanTvResult } from './handlers/scanTv.js';
export { seasonOfAirDate, type EnrichTvShowResult } from './handlers/enrichTvShow.js';
export type { PublishTvShowResult } from './handlers/publishTvShow.js';
export { TvRepository } from './db/TvRepository.js';
export type {
  TvShowRecord,
  TvFileRecord,
  TvEpisodeRecord,
  TvSeasonRecord,
  TvAssetRecord,
  TvAssetScope,
  ScannedShow,
  ScannedEpisode,
  ScannedEpisodeFile,
  TvEnrichmentRecord,
} from './db/tvRecords.js';
export { tvMigration } from './migrations/003_tv.js';
export {
  parseEpisodeName,
  parseSeasonFolder,
  parseShowFolder,
  looksLikeEpisode,
  type ParsedEpisodeName,
  type ParsedShowFolder,
} from './scan/parseEpisodeName.js';
export { scanTvLibrary, type FoundEpisodeFile, type TvScanResult, type TvSkippedPath, type TvSkipReason } from './scan/scanTvLibrary.js';
export { buildTvShowNfo, buildEpisodeNfo, type TvShowNfoOptions, type EpisodeNfoEntry, type EpisodeNfoDetails } from './tv/nfo.js';
export {
  showArtworkPath,
  seasonPosterPath,
  episodeThumbPath,
  episodeNfoPath,
  pickSeriesArtwork,
  type SeriesAssetRules,
} from './tv/artwork.js';
export {
  SERIES_ARTWORK_KINDS,
  type SeriesProvider,
  type SeriesQuery,
  type SeriesIds,
  type SeriesSearchResult,
  type SeriesDetails,
  type SeasonSummary,
  type SeasonDetails,
  type EpisodeDetails,
  type SeriesArtworkKind,
  type SeriesArtworkCandidate,
} from './tv/types.js';
export { LocalSeriesProvider } from './providers/LocalSeriesProvider.js';
export { refreshMedia, refreshTargetSchema, type RefreshTarget, type RefreshRequest, type RefreshContext } from './refresh.js';
export {
  scanMovieSchema,
  enrichMetadataSchema,
  publishSchema,
  notifyPlayerSchema,
  scheduledCleanupSchema,
  scheduledProviderUpdateSchema,
  scheduledVerificationSchema,
  webhookReceivedSchema,
  entityTypeSchema,
  NOTIFY_JOB_TYPES,
  MEDIA_JOB_SCHEMAS,
  type NotifyJobType,
  type ScanMoviePayload,
  type EnrichMetadataPayload,
  type PublishPayload,
  type NotifyPlayerPayload,
  type ScheduledCleanupPayload,
  type ScheduledProviderUpdatePayload,
  type ScheduledVerificationPayload,
  type WebhookReceivedPayload,
} from './schemas.js';
export { listAssetCandidates, selectAsset, type SelectAssetOptions, type SelectAssetResult } from './handlers/assetSelection.js';
export type { ScanMovieResult } from './handlers/scanMovie.js';
export { pickCandidates, compareCandidates, type RankedArtwork, resolutionOf, type AssetRules } from './ranking.js';
export type { EnrichMetadataResult } from './handlers/enrichMetadata.js';
export type { PublishResult } from './handlers/publish.js';
export type { NotifyPlayerResult, PlayerChangeCounts } from './handlers/notifyPlayer.js';
export { MoviesRepository } from './db/MoviesRepository.js';
export type { MovieRecord, AssetRecord, ScannedMovie, UpsertOutcome, EnrichmentRecord } from './db/movieRecords.js';
export { mediaMigration } from './migrations/001_media.js';
export { MEDIA_MIGRATIONS } from './migrations/index.js';
export { parseMovieName, type ParsedMovieName } from './scan/parseMovieName.js';
export {
  scanLibrary,
  type ScanOptions,
  type WalkOptions,
  type FoundMovie,
  type SkippedPath,
  type SkipReason,
  type ScanResult,
} from './scan/scanLibrary.js';
export { TmdbProvider, type TmdbProviderOptions } from './providers/TmdbProvider.js';
export { TmdbSeriesProvider, type TmdbSeriesDefaults } from './providers/TmdbSeriesProvider.js';
export { TmdbClient, tmdbCredential, type TmdbClientOptions, type TmdbCredentialKind, type TmdbImageKind } from './providers/TmdbClient.js';
export { LocalProvider, type LocalProviderOptions } from './providers/LocalProvider.js';
export {
  syncPlayer,
  syncKodi,
  syncJellyfin,
  syncPlex,
  kodiLibraryDirectory,
  jellyfinPathOf,
  jellyfinUpdates,
  plexSectionFor,
  KodiRpc,
  mapPath,
  parentDirectory,
  withTrailingSeparator,
  type JellyfinUpdateType,
} from './players/index.js';
export { enqueuePlayerSyncs, playerSyncKey, playerSyncJob, PLAYER_SYNC_JOB_OPTIONS } from './handlers/playerSyncQueue.js';
export {
  PlayerSyncRepository,
  isEmptyPlan,
  type PlayerSyncPlan,
  type PlayerSyncConfirmation,
  type TvSyncConfirmation,
} from './db/PlayerSyncRepository.js';
export { playerSyncMigration } from './migrations/002_player_sync.js';
export {
  buildMovieNfo,
  kodiTrailerUrl,
  nfoPathsFor,
  artworkPathFor,
  actorThumbFileName,
  actorThumbPath,
  stripXmlInvalid,
  type MovieNfoOptions,
  type NfoPathOptions,
  type NfoRemoteArt,
} from './nfo.js';
export {
  writeFileAtomic,
  resolveInside,
  downloadTo,
  DEFAULT_MAX_DOWNLOAD_BYTES,
  type DownloadOptions,
  type DownloadResult,
} from './files.js';
export {
  ProviderError,
  ProviderCredentialsError,
  PlayerError,
  PlayerSyncIncompleteError,
  PathOutsideLibraryError,
  DownloadError,
} from './errors.js';
export {
  ARTWORK_KINDS,
  type ArtworkKind,
  type ArtworkCandidate,
  type CastMember,
  type MovieDetails,
  type MovieQuery,
  type MovieSearchResult,
  type MovieSet,
  type MetadataProvider,
  type ProviderRequestOptions,
  type ProviderIds,
  type PathMapping,
  type PlayerConfig,
  type PlayerKind,
  type KodiPlayerConfig,
  type JellyfinPlayerConfig,
  type PlexPlayerConfig,
  type PlayerSyncItem,
  type PlayerSyncRequest,
  type PlayerSyncResult,
  type TvShowSyncItem,
  type EpisodeFileSyncItem,
  type EpisodeNumber,
  type SyncChanges,
  type SyncOutcome,
} from './types.js';
