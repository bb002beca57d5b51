/**
 * The records of the TV tables (migration 8) as the TV repository returns and takes
 * them, and the mapping from their rows. Plain data only.
 */
import type { EpisodeDetails, SeasonSummary, SeriesArtworkCandidate, SeriesArtworkKind, SeriesDetails } from '../tv/types.js';

/** One show as stored. */
export interface TvShowRecord {
  id: number;
  /** Library root the show was found in. */
  libraryPath: string;
  /** The show folder: the show's identity. */
  path: string;
  /** Title parsed from the folder name (the provider's title lives in `metadata`). */
  title: string;
  year: number | null;
  /** Ids written in the folder name (`{tvdb-81189}`), by provider name. */
  idHints: Record<string, string>;
  tmdbId: string | null;
  tvdbId: string | null;
  imdbId: string | null;
  /** Name of the provider that enriched it, and its id there. */
  provider: string | null;
  providerId: string | null;
  /** The provider's details, or null before a match. */
  metadata: SeriesDetails | null;
  /** Grows with every change a scan makes to the show or its files. */
  revision: number;
  scannedAt: number;
  enrichedAt: number | null;
  publishedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** One episode of a file. */
export interface TvEpisodeRecord {
  id: number;
  fileId: number;
  showId: number;
  /** Order within its file, 0 first. */
  position: number;
  /** From the file name, or from the provider for a daily show; null until known. */
  season: number | null;
  episode: number | null;
  /** Air date read from a daily show's file name, `YYYY-MM-DD`. */
  aired: string | null;
  /** The provider's details, or null until matched. */
  metadata: EpisodeDetails | null;
  enrichedAt: number | null;
}

/** One video file with its episodes (several for a multi-episode file). */
export interface TvFileRecord {
  id: number;
  showId: number;
  videoFile: string;
  /** Folder holding the video file. */
  folder: string;
  fileSize: number;
  mtime: number;
  /** Grows whenever what publish writes for this file changes. */
  revision: number;
  /** The revision last published, or null. */
  publishedRevision: number | null;
  publishedAt: number | null;
  episodes: TvEpisodeRecord[];
}

/** A season with episodes on disk. */
export interface TvSeasonRecord {
  showId: number;
  seasonNumber: number;
  /** The provider's name of the season, or null. */
  name: string | null;
  metadata: SeasonSummary | null;
}

/** What an artwork candidate belongs to. */
export type TvAssetScope = 'show' | 'season' | 'episode';

/** An artwork candidate as stored. `season`/`episode` are 0 where the scope has none. */
export interface TvAssetRecord extends SeriesArtworkCandidate {
  id: number;
  showId: number;
  scope: TvAssetScope;
  season: number;
  episode: number;
  selected: boolean;
}

/** What the scan found of one show folder. */
export interface ScannedShow {
  libraryPath: string;
  path: string;
  title: string;
  year: number | null;
  /** @default {} */
  idHints?: Record<string, string>;
}

/** One episode as the scan read it from a file name. */
export type ScannedEpisode = { season: number; episode: number } | { aired: string };

/** What the scan found of one video file. */
export interface ScannedEpisodeFile {
  videoFile: string;
  folder: string;
  fileSize: number;
  mtime: number;
  /** In file order; at least one. */
  episodes: ScannedEpisode[];
}

/** Outcome of an upsert: `new` (first seen), `changed` or `unchanged`. */
export interface TvUpsertOutcome {
  id: number;
  status: 'new' | 'changed' | 'unchanged';
}

/** A candidate to store, with where it belongs and whether it is selected. */
export type TvAssetInput = SeriesArtworkCandidate & { scope: TvAssetScope; season: number; episode: number; selected: boolean };

/** What the enrich phase stores for a show in one go. */
export interface TvEnrichmentRecord {
  provider: string;
  providerId: string;
  details: SeriesDetails;
  /** Provider data of seasons on disk, by number. */
  seasons: SeasonSummary[];
  /** Matched episodes, by episode row id. */
  episodes: { episodeId: number; details: EpisodeDetails }[];
  /**
   * Which candidates are replaced: the show's own when `showArtwork`, and those of the
   * listed seasons (their posters and their episodes' stills). Others are kept, so an
   * enrichment of one new season leaves the rest as selected.
   */
  replace: { showArtwork: boolean; seasons: number[] };
  assets: TvAssetInput[];
}

/** The key of an episode as the scan read it, stored as `parsed`. */
export function parsedKey(episode: ScannedEpisode): string {
  return 'aired' in episode ? `D${episode.aired}` : `S${episode.season}E${episode.episode}`;
}

/** A `tv_shows` row as SQLite returns it (repository use only). */
export interface ShowRow {
  id: number;
  library_path: string;
  path: string;
  title: string;
  year: number | null;
  id_hints: string | null;
  tmdb_id: string | null;
  tvdb_id: string | null;
  imdb_id: string | null;
  provider: string | null;
  provider_id: string | null;
  metadata: string | null;
  matched_on: string | null;
  revision: number;
  scanned_at: number;
  enriched_at: number | null;
  published_at: number | null;
  created_at: number;
  updated_at: number;
}

/** A `tv_files` row (repository use only). */
export interface FileRow {
  id: number;
  show_id: number;
  video_file: string;
  folder: string;
  file_size: number;
  mtime: number;
  revision: number;
  published_revision: number | null;
  published_at: number | null;
}

/** A `tv_episodes` row (repository use only). */
export interface EpisodeRow {
  id: number;
  file_id: number;
  show_id: number;
  position: number;
  parsed: string;
  season_number: number | null;
  episode_number: number | null;
  aired: string | null;
  metadata: string | null;
  enriched_at: number | null;
}

/** A `tv_seasons` row (repository use only). */
export interface SeasonRow {
  show_id: number;
  season_number: number;
  name: string | null;
  metadata: string | null;
}

/** A `tv_assets` row (repository use only). */
export interface AssetRow {
  id: number;
  show_id: number;
  scope: string;
  season_number: number;
  episode_number: number;
  kind: string;
  url: string;
  language: string | null;
  width: number;
  height: number;
  votes: number;
  ext: string | null;
  selected: number;
}

/** Row → record; JSON columns parsed. */
export function toShow(row: ShowRow): TvShowRecord {
  return {
    id: row.id,
    libraryPath: row.library_path,
    path: row.path,
    title: row.title,
    year: row.year,
    idHints: row.id_hints === null ? {} : (JSON.parse(row.id_hints) as Record<string, string>),
    tmdbId: row.tmdb_id,
    tvdbId: row.tvdb_id,
    imdbId: row.imdb_id,
    provider: row.provider,
    providerId: row.provider_id,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as SeriesDetails),
    revision: row.revision,
    scannedAt: row.scanned_at,
    enrichedAt: row.enriched_at,
    publishedAt: row.published_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Row → record; JSON columns parsed. */
export function toEpisode(row: EpisodeRow): TvEpisodeRecord {
  return {
    id: row.id,
    fileId: row.file_id,
    showId: row.show_id,
    position: row.position,
    season: row.season_number,
    episode: row.episode_number,
    aired: row.aired,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as EpisodeDetails),
    enrichedAt: row.enriched_at,
  };
}

/** Row and its episodes → record. */
export function toFile(row: FileRow, episodes: TvEpisodeRecord[]): TvFileRecord {
  return {
    id: row.id,
    showId: row.show_id,
    videoFile: row.video_file,
    folder: row.folder,
    fileSize: row.file_size,
    mtime: row.mtime,
    revision: row.revision,
    publishedRevision: row.published_revision,
    publishedAt: row.published_at,
    episodes,
  };
}

/** Row → record; JSON columns parsed. */
export function toSeason(row: SeasonRow): TvSeasonRecord {
  return {
    showId: row.show_id,
    seasonNumber: row.season_number,
    name: row.name,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as SeasonSummary),
  };
}

/** Row → record. */
export function toAsset(row: AssetRow): TvAssetRecord {
  const asset: TvAssetRecord = {
    id: row.id,
    showId: row.show_id,
    // Only the repository writes these columns, from the unions they are read back as.
    scope: row.scope as TvAssetScope,
    season: row.season_number,
    episode: row.episode_number,
    kind: row.kind as SeriesArtworkKind,
    url: row.url,
    language: row.language,
    width: row.width,
    height: row.height,
    votes: row.votes,
    selected: row.selected === 1,
  };
  if (row.ext !== null) asset.ext = row.ext;
  return asset;
}
