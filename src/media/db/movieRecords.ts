/**
 * The records of the movie tables (`movies`, `movie_assets`) as the movies repository
 * returns and takes them, and the mapping from their rows. Plain data only.
 */
import type { ArtworkCandidate, ArtworkKind, MovieDetails } from '../types.js';

/** One movie as stored. */
export interface MovieRecord {
  id: number;
  /** Library root the movie was found in. */
  libraryPath: string;
  /** Folder holding the video file. */
  path: string;
  /** Absolute path of the video file: the movie's identity. */
  videoFile: string;
  /** Title parsed from the folder or file name (the provider's title lives in `metadata`). */
  title: string;
  year: number | null;
  fileSize: number;
  /** Modification time of the video file, epoch milliseconds. */
  mtime: number;
  /** Ids written in the folder or file name (`{tmdb-603}`), by provider name. */
  idHints: Record<string, string>;
  tmdbId: string | null;
  imdbId: string | null;
  /** Name of the provider that enriched it, and its id there. */
  provider: string | null;
  providerId: string | null;
  /** The provider's details, or null before enrichment. */
  metadata: MovieDetails | null;
  scannedAt: number;
  enrichedAt: number | null;
  publishedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** An artwork candidate as stored, with its id (for `MoviesRepository.selectAsset`). */
export interface AssetRecord extends ArtworkCandidate {
  id: number;
  movieId: number;
  /** Whether publish writes this one. At most one per movie and kind. */
  selected: boolean;
}

/** What the scan phase found on disk for one movie. */
export interface ScannedMovie {
  libraryPath: string;
  path: string;
  videoFile: string;
  title: string;
  year: number | null;
  fileSize: number;
  mtime: number;
  /** Ids written in the name, by provider name (`{ tmdb: '603' }`). @default {} */
  idHints?: Record<string, string>;
}

/** Outcome of `MoviesRepository.upsertScanned`. */
export interface UpsertOutcome {
  id: number;
  /** `new`: first seen; `changed`: size or mtime differ; `unchanged`: same file as before. */
  status: 'new' | 'changed' | 'unchanged';
  /** False until an enrichment has been stored for it. */
  enriched: boolean;
}

/** What the enrich phase stores in one go. */
export interface EnrichmentRecord {
  provider: string;
  providerId: string;
  details: MovieDetails;
  /** Candidates to keep, each with whether it is selected. Replaces the previous ones. */
  assets: (ArtworkCandidate & { selected: boolean })[];
}

/** A `movies` row (repository use only). */
export interface MovieRow {
  id: number;
  library_path: string;
  path: string;
  video_file: string;
  title: string;
  year: number | null;
  file_size: number;
  mtime: number;
  id_hints: string | null;
  tmdb_id: string | null;
  imdb_id: string | null;
  provider: string | null;
  provider_id: string | null;
  metadata: string | null;
  scanned_at: number;
  enriched_at: number | null;
  published_at: number | null;
  created_at: number;
  updated_at: number;
}

/** A `movie_assets` row (repository use only). */
export interface AssetRow {
  id: number;
  movie_id: number;
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
export function toMovie(row: MovieRow): MovieRecord {
  return {
    id: row.id,
    libraryPath: row.library_path,
    path: row.path,
    videoFile: row.video_file,
    title: row.title,
    year: row.year,
    fileSize: row.file_size,
    mtime: row.mtime,
    idHints: row.id_hints === null ? {} : (JSON.parse(row.id_hints) as Record<string, string>),
    tmdbId: row.tmdb_id,
    imdbId: row.imdb_id,
    provider: row.provider,
    providerId: row.provider_id,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as MovieDetails),
    scannedAt: row.scanned_at,
    enrichedAt: row.enriched_at,
    publishedAt: row.published_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Row → record. */
export function toAsset(row: AssetRow): AssetRecord {
  const asset: AssetRecord = {
    id: row.id,
    movieId: row.movie_id,
    // Only the enrich phase writes this column, from the ArtworkKind union.
    kind: row.kind as ArtworkKind,
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
