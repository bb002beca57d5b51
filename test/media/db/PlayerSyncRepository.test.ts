/**
 * What a player still lacks, read from the tables: new, changed (published again since
 * confirmed) and removed movies, on a database built by the real migrations.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from 'better-sqlite3';
import { migrate } from '../../../src/db/migrate.js';
import { MoviesRepository } from '../../../src/media/db/MoviesRepository.js';
import { isEmptyPlan, PlayerSyncRepository } from '../../../src/media/db/PlayerSyncRepository.js';
import { tempDatabase } from '../../db/helpers.js';

let db: Database;
let cleanup: () => void;
let movies: MoviesRepository;
let syncs: PlayerSyncRepository;
beforeEach(() => {
  ({ db, cleanup } = tempDatabase());
  migrate(db);
  movies = new MoviesRepository(db);
  syncs = new PlayerSyncRepository(db);
});
afterEach(() => cleanup());

function add(title: string): number {
  return movies.upsertScanned({
    libraryPath: '/m',
    path: `/m/${title}`,
    videoFile: `/m/${title}/${title}.mkv`,
    title,
    year: 2001,
    fileSize: 1,
    mtime: 1,
  }).id;
}

describe('PlayerSyncRepository', () => {
  it('plans published movies the player has not confirmed, per player', () => {
    const heat = add('Heat');
    add('Alien'); // scanned, never published: not for players yet
    movies.markPublished(heat, 1000);
    const plan = syncs.planFor('kodi');
    expect(plan.added).toEqual([{ movieId: heat, libraryPath: '/m', folder: '/m/Heat', videoFile: '/m/Heat/Heat.mkv', publishedAt: 1000 }]);
    expect(plan.changed).toEqual([]);
    expect(plan.removed).toEqual([]);
    syncs.confirm('kodi', { added: plan.added, refreshed: [], removed: [] });
    expect(isEmptyPlan(syncs.planFor('kodi'))).toBe(true);
    expect(syncs.planFor('plex').added).toHaveLength(1);
  });

  it('a movie published again after it was confirmed is a change; confirming the older publish keeps it one', () => {
    const heat = add('Heat');
    movies.markPublished(heat, 1000);
    const first = syncs.planFor('kodi');
    movies.markPublished(heat, 2000); // published again while the sync ran
    syncs.confirm('kodi', { added: first.added, refreshed: [], removed: [] });
    expect(syncs.isUnconfirmed('kodi', heat)).toBe(true);
    const second = syncs.planFor('kodi');
    expect(second.changed.map((m) => m.publishedAt)).toEqual([2000]);
    syncs.confirm('kodi', { added: [], refreshed: second.changed, removed: [] });
    expect(syncs.isUnconfirmed('kodi', heat)).toBe(false);
    expect(isEmptyPlan(syncs.planFor('kodi'))).toBe(true);
  });

  it('a confirmed movie that is deleted stays planned as a removal until the player confirms it', () => {
    const heat = add('Heat');
    movies.markPublished(heat, 1000);
    syncs.confirm('kodi', { added: syncs.planFor('kodi').added, refreshed: [], removed: [] });
    movies.delete(heat);
    const plan = syncs.planFor('kodi');
    expect(plan.removed.map((m) => m.videoFile)).toEqual(['/m/Heat/Heat.mkv']);
    // The same file found again is a new movie (new id): removal and addition both.
    const again = add('Heat');
    movies.markPublished(again, 3000);
    const both = syncs.planFor('kodi');
    expect(both.removed.map((m) => m.movieId)).toEqual([heat]);
    expect(both.added.map((m) => m.movieId)).toEqual([again]);
    syncs.confirm('kodi', { added: both.added, refreshed: [], removed: both.removed });
    expect(isEmptyPlan(syncs.planFor('kodi'))).toBe(true);
  });

  it('moves a player\'s generation forward, one player at a time', () => {
    expect(syncs.generation('kodi')).toBe(0);
    expect(syncs.advanceGeneration('kodi')).toBe(1);
    expect(syncs.advanceGeneration('kodi')).toBe(2);
    expect(syncs.generation('kodi')).toBe(2);
    expect(syncs.generation('plex')).toBe(0);
  });
});
