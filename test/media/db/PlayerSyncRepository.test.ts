/**
 * What a player still lacks, read from the tables: new, changed (published again since
 * confirmed) and removed movies, TV shows and episode files, on a database built by the
 * real migrations.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from 'better-sqlite3';
import { migrate, migratePlugin } from '../../../src/db/migrate.js';
import { MEDIA_MIGRATIONS } from '../../../src/media/migrations/index.js';

const MEDIA = { name: 'media', migrations: MEDIA_MIGRATIONS };
import { MoviesRepository } from '../../../src/media/db/MoviesRepository.js';
import { isEmptyPlan, PlayerSyncRepository } from '../../../src/media/db/PlayerSyncRepository.js';
import { TvRepository } from '../../../src/media/db/TvRepository.js';
import { tempDatabase } from '../../db/helpers.js';

let db: Database;
let cleanup: () => void;
let movies: MoviesRepository;
let syncs: PlayerSyncRepository;
beforeEach(() => {
  ({ db, cleanup } = tempDatabase());
  migrate(db);
  migratePlugin(db, MEDIA);
  movies = new MoviesRepository(db);
  syncs = new PlayerSyncRepository(db);
});
afterEach(() => cleanup());

const NONE = { added: [], refreshed: [], removed: [] };

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

  it("moves a player's generation forward, one player at a time", () => {
    expect(syncs.generation('kodi')).toBe(0);
    expect(syncs.advanceGeneration('kodi')).toBe(1);
    expect(syncs.advanceGeneration('kodi')).toBe(2);
    expect(syncs.generation('kodi')).toBe(2);
    expect(syncs.generation('plex')).toBe(0);
  });
});

describe('PlayerSyncRepository: TV shows and episode files', () => {
  const LIB = '/tv';
  const SHOW = `${LIB}/Lost (2004)`;
  let tv: TvRepository;
  beforeEach(() => {
    tv = new TvRepository(db);
  });

  /** Lost with S01E01 and the two-episode file S01E02E03; returns the show and file ids. */
  function lost(): { show: number; e1: number; e23: number } {
    const show = tv.upsertShow({ libraryPath: LIB, path: SHOW, title: 'Lost', year: 2004 }).id;
    const file = (name: string, episodes: { season: number; episode: number }[]) =>
      tv.upsertFile(show, { videoFile: `${SHOW}/Season 01/${name}`, folder: `${SHOW}/Season 01`, fileSize: 1, mtime: 1, episodes }).id;
    return {
      show,
      e1: file('Lost.S01E01.mkv', [{ season: 1, episode: 1 }]),
      e23: file('Lost.S01E02E03.mkv', [
        { season: 1, episode: 2 },
        { season: 1, episode: 3 },
      ]),
    };
  }

  const publish = (ids: { show: number; e1: number; e23: number }, at: number, changed: { show?: boolean; files?: number[] } = {}) =>
    tv.markPublished(
      ids.show,
      {
        show: changed.show ?? false,
        files: tv.files(ids.show).map((f) => ({ id: f.id, revision: f.revision, changed: (changed.files ?? []).includes(f.id) })),
      },
      at,
    );

  it('plans published shows and episode files the player has not confirmed, with the episode numbers of each file', () => {
    const ids = lost();
    expect(isEmptyPlan(syncs.planFor('kodi'))).toBe(true); // scanned, not published: not for players yet
    expect(syncs.isShowUnconfirmed('kodi', ids.show)).toBe(false);
    publish(ids, 1000);
    expect(syncs.isShowUnconfirmed('kodi', ids.show)).toBe(true);
    const plan = syncs.planFor('kodi');
    expect(plan.shows.added).toEqual([{ showId: ids.show, libraryPath: LIB, folder: SHOW, publishedAt: 1000 }]);
    expect(plan.episodes.added).toEqual([
      {
        fileId: ids.e1,
        showId: ids.show,
        libraryPath: LIB,
        showFolder: SHOW,
        folder: `${SHOW}/Season 01`,
        videoFile: `${SHOW}/Season 01/Lost.S01E01.mkv`,
        episodes: [{ season: 1, episode: 1 }],
        publishedAt: 1000,
      },
      expect.objectContaining({
        fileId: ids.e23,
        episodes: [
          { season: 1, episode: 2 },
          { season: 1, episode: 3 },
        ],
      }),
    ]);
    expect(plan.added).toEqual([]);
    syncs.confirm('kodi', {
      added: [],
      refreshed: [],
      removed: [],
      shows: { added: plan.shows.added, refreshed: [], removed: [] },
      episodes: { added: plan.episodes.added, refreshed: [], removed: [] },
    });
    expect(isEmptyPlan(syncs.planFor('kodi'))).toBe(true);
    expect(syncs.isShowUnconfirmed('kodi', ids.show)).toBe(false);
    // Another player has confirmed nothing.
    expect(syncs.planFor('plex').episodes.added).toHaveLength(2);
  });

  it('a re-publish that wrote nothing new is no change; one that rewrote a file or the show is, for that file or show only', () => {
    const ids = lost();
    publish(ids, 1000);
    const first = syncs.planFor('kodi');
    syncs.confirm('kodi', {
      added: [],
      refreshed: [],
      removed: [],
      shows: { ...NONE, added: first.shows.added },
      episodes: { ...NONE, added: first.episodes.added },
    });
    publish(ids, 2000);
    expect(isEmptyPlan(syncs.planFor('kodi'))).toBe(true);
    publish(ids, 3000, { files: [ids.e23] });
    expect(syncs.planFor('kodi').episodes.changed.map((f) => [f.fileId, f.publishedAt])).toEqual([[ids.e23, 3000]]);
    expect(syncs.planFor('kodi').shows.changed).toEqual([]);
    publish(ids, 4000, { show: true });
    expect(syncs.planFor('kodi').shows.changed.map((s) => s.publishedAt)).toEqual([4000]);
  });

  it('a confirmed episode file or show that a scan deleted stays planned as a removal until the player confirms it', () => {
    const ids = lost();
    publish(ids, 1000);
    const first = syncs.planFor('kodi');
    syncs.confirm('kodi', {
      added: [],
      refreshed: [],
      removed: [],
      shows: { ...NONE, added: first.shows.added },
      episodes: { ...NONE, added: first.episodes.added },
    });
    // The rescan deleted the two-episode file: the player's row still knows it and its numbers.
    tv.removeMissingFiles(SHOW, new Set([`${SHOW}/Season 01/Lost.S01E01.mkv`]));
    expect(syncs.planFor('kodi').episodes.removed).toEqual([
      expect.objectContaining({
        fileId: ids.e23,
        videoFile: `${SHOW}/Season 01/Lost.S01E02E03.mkv`,
        episodes: [
          { season: 1, episode: 2 },
          { season: 1, episode: 3 },
        ],
      }),
    ]);
    // Then the whole show went.
    tv.removeMissingFiles(SHOW, new Set());
    tv.removeEmptyShows({ showIds: [ids.show] });
    const plan = syncs.planFor('kodi');
    expect(plan.shows.removed).toEqual([{ showId: ids.show, libraryPath: LIB, folder: SHOW, publishedAt: 1000 }]);
    expect(plan.episodes.removed.map((f) => f.fileId)).toEqual([ids.e1, ids.e23]);
    syncs.confirm('kodi', {
      added: [],
      refreshed: [],
      removed: [],
      shows: { ...NONE, removed: plan.shows.removed },
      episodes: { ...NONE, removed: plan.episodes.removed },
    });
    expect(isEmptyPlan(syncs.planFor('kodi'))).toBe(true);
  });
});
