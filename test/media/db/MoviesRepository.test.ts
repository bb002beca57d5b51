import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, migratePlugin, rollbackPlugin } from '../../../src/db/migrate.js';
import { MEDIA_MIGRATIONS } from '../../../src/media/migrations/index.js';

const MEDIA = { name: 'media', migrations: MEDIA_MIGRATIONS };
import { NotFoundError, ValidationError } from '../../../src/errors.js';
import { MoviesRepository } from '../../../src/media/db/MoviesRepository.js';
import type { ScannedMovie } from '../../../src/media/db/movieRecords.js';
import type { ArtworkCandidate, MovieDetails } from '../../../src/media/types.js';

let dir: string;
let db: Database.Database;
let movies: MoviesRepository;

const LIB = '/srv/movies';
function scanned(name: string, extra: Partial<ScannedMovie> = {}): ScannedMovie {
  return {
    libraryPath: LIB,
    path: `${LIB}/${name}`,
    videoFile: `${LIB}/${name}/${name}.mkv`,
    title: name.replace(/ \(\d+\)$/, ''),
    year: Number(/\((\d+)\)/.exec(name)?.[1] ?? 0) || null,
    fileSize: 1000,
    mtime: 1_700_000_000_000,
    ...extra,
  };
}

const details: MovieDetails = {
  providerIds: { tmdb: '603', imdb: 'tt0133093' },
  title: 'The Matrix',
  originalTitle: 'The Matrix',
  year: 1999,
  plot: 'A hacker learns the truth.',
  tagline: null,
  runtimeMinutes: 136,
  genres: ['Action', 'Science Fiction'],
  studios: [],
  premiered: '1999-03-30',
  rating: 8.2,
  votes: 25000,
  certification: 'R',
  cast: [
    { name: 'Laurence Fishburne', role: 'Morpheus', order: 5 },
    { name: 'Keanu Reeves', role: 'Neo', order: 0, thumbUrl: 'http://x/keanu.jpg' },
  ],
  directors: ['Lana Wachowski'],
  writers: [],
};

const poster = (url: string, selected = false): ArtworkCandidate & { selected: boolean } => ({
  kind: 'poster',
  url,
  language: 'en',
  width: 1000,
  height: 1500,
  votes: 1,
  ext: 'jpg',
  selected,
});

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'phaseq-movies-'));
  db = new Database(path.join(dir, 'media.db'));
  migrate(db);
  migratePlugin(db, MEDIA);
  movies = new MoviesRepository(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('MoviesRepository', () => {
  it('inserts, then tells unchanged from changed on the next scan', () => {
    const first = movies.upsertScanned(scanned('The Matrix (1999)'), 1);
    expect(first).toEqual({ id: first.id, status: 'new', enriched: false });
    expect(movies.upsertScanned(scanned('The Matrix (1999)'), 2).status).toBe('unchanged');
    expect(movies.upsertScanned(scanned('The Matrix (1999)', { fileSize: 2000 }), 3).status).toBe('changed');
    expect(movies.upsertScanned(scanned('The Matrix (1999)', { fileSize: 2000, mtime: 5 }), 4).status).toBe('changed');
    const row = movies.require(first.id);
    expect(row).toMatchObject({ title: 'The Matrix', year: 1999, fileSize: 2000, mtime: 5, scannedAt: 4, createdAt: 1, metadata: null });
    expect(movies.count()).toBe(1);
  });

  it('keeps id hints from the name, and a changed hint counts as a change', () => {
    const { id } = movies.upsertScanned(scanned('The Matrix (1999)', { idHints: { tmdb: '603' } }));
    expect(movies.require(id).idHints).toEqual({ tmdb: '603' });
    expect(movies.upsertScanned(scanned('The Matrix (1999)', { idHints: { tmdb: '603' } })).status).toBe('unchanged');
    expect(movies.upsertScanned(scanned('The Matrix (1999)', { idHints: { tmdb: '604' } })).status).toBe('changed');
    expect(movies.upsertScanned(scanned('The Matrix (1999)')).status).toBe('changed');
    expect(movies.require(id).idHints).toEqual({});
  });

  it('stores an enrichment: details, cast in billing order, candidates with their selection', () => {
    const { id } = movies.upsertScanned(scanned('The Matrix (1999)'));
    movies.saveEnrichment(
      id,
      { provider: 'local', providerId: '603', details, assets: [poster('http://x/a.jpg', true), poster('http://x/b.jpg')] },
      10,
    );
    const row = movies.require(id);
    expect(row).toMatchObject({ tmdbId: '603', imdbId: 'tt0133093', provider: 'local', providerId: '603', enrichedAt: 10 });
    expect(row.metadata?.title).toBe('The Matrix');
    expect(movies.actors(id)).toEqual([
      { name: 'Keanu Reeves', role: 'Neo', order: 0, thumbUrl: 'http://x/keanu.jpg' },
      { name: 'Laurence Fishburne', role: 'Morpheus', order: 1 },
    ]);
    expect(movies.selectedAssets(id).map((a) => a.url)).toEqual(['http://x/a.jpg']);
    expect(movies.assets(id, 'poster')).toHaveLength(2);
    expect(movies.upsertScanned(scanned('The Matrix (1999)')).enriched).toBe(true);
  });

  it('replaces candidates and cast on re-enrichment', () => {
    const { id } = movies.upsertScanned(scanned('The Matrix (1999)'));
    movies.saveEnrichment(id, { provider: 'local', providerId: '603', details, assets: [poster('http://x/a.jpg', true)] });
    movies.saveEnrichment(id, {
      provider: 'local',
      providerId: '603',
      details: { ...details, cast: [] },
      assets: [poster('http://x/c.jpg')],
    });
    expect(movies.assets(id).map((a) => a.url)).toEqual(['http://x/c.jpg']);
    expect(movies.selectedAssets(id)).toEqual([]);
    expect(movies.actors(id)).toEqual([]);
  });

  it('refuses two selected assets of one kind, storing nothing', () => {
    const { id } = movies.upsertScanned(scanned('The Matrix (1999)'));
    expect(() =>
      movies.saveEnrichment(id, {
        provider: 'local',
        providerId: '603',
        details,
        assets: [poster('http://x/a.jpg', true), poster('http://x/b.jpg', true)],
      }),
    ).toThrow(ValidationError);
    expect(movies.require(id).enrichedAt).toBeNull();
    expect(movies.assets(id)).toEqual([]);
  });

  it('selects one asset per kind', () => {
    const { id } = movies.upsertScanned(scanned('The Matrix (1999)'));
    movies.saveEnrichment(id, {
      provider: 'local',
      providerId: '603',
      details,
      assets: [poster('http://x/a.jpg', true), poster('http://x/b.jpg')],
    });
    const b = movies.assets(id).find((a) => a.url === 'http://x/b.jpg')!;
    expect(movies.selectAsset(id, b.id)).toMatchObject({ url: 'http://x/b.jpg', selected: true });
    expect(movies.selectedAssets(id).map((a) => a.url)).toEqual(['http://x/b.jpg']);
    expect(() => movies.selectAsset(id, 99999)).toThrow(NotFoundError);
  });

  it('removes the movies whose files are gone, with their rows, and only under the folder given', () => {
    const a = movies.upsertScanned(scanned('Alien (1979)')).id;
    const b = movies.upsertScanned(scanned('Aliens (1986)')).id;
    movies.upsertScanned({
      ...scanned('Heat (1995)'),
      libraryPath: '/other',
      path: '/other/Heat (1995)',
      videoFile: '/other/Heat (1995)/Heat.mkv',
    });
    movies.saveEnrichment(b, { provider: 'local', providerId: '1', details, assets: [poster('http://x/a.jpg', true)] });
    // "/srv/movies/Alien (1979)" must not match "Aliens (1986)" by prefix.
    expect(movies.listUnder(`${LIB}/Alien (1979)`).map((m) => m.id)).toEqual([a]);
    const removed = movies.removeMissing(LIB, new Set([`${LIB}/Alien (1979)/Alien (1979).mkv`]));
    expect(removed).toEqual([b]);
    expect(movies.get(b)).toBeUndefined();
    expect(db.prepare('SELECT COUNT(*) AS n FROM movie_assets').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM movie_actors').get()).toEqual({ n: 0 });
    expect(movies.count()).toBe(2);
  });

  it('names a missing movie clearly', () => {
    expect(() => movies.require(42)).toThrow(/Movie 42 does not exist/);
    expect(() => movies.saveEnrichment(42, { provider: 'local', providerId: '1', details, assets: [] })).toThrow(NotFoundError);
  });

  it('media migration 1 rolls back and forth', () => {
    movies.upsertScanned(scanned('Alien (1979)'));
    rollbackPlugin(db, MEDIA, 0);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'movie%'").all()).toEqual([]);
    migratePlugin(db, MEDIA);
    expect(new MoviesRepository(db).count()).toBe(0);
  });
});
