/**
 * TvRepository on a SQLite file built by the real migrations: what counts as new, changed
 * and unchanged, removals, the revision that decides what publish rewrites, and the
 * publish stamps the player syncs compare.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, migratePlugin } from '../../../src/db/migrate.js';
import { MEDIA_MIGRATIONS } from '../../../src/media/migrations/index.js';

const MEDIA = { name: 'media', migrations: MEDIA_MIGRATIONS };
import { TvRepository } from '../../../src/media/db/TvRepository.js';
import type { ScannedEpisodeFile } from '../../../src/media/db/tvRecords.js';
import { scanTvSchema } from '../../../src/media/tv/schemas.js';
import type { EpisodeDetails, SeriesDetails } from '../../../src/media/tv/types.js';
import { makeTempDir } from '../../support/tmp.js';

let tmp: ReturnType<typeof makeTempDir>;
let db: Database.Database;
let tv: TvRepository;
beforeEach(() => {
  tmp = makeTempDir('phaseq-tvrepo-');
  db = new Database(path.join(tmp.dir, 'phaseq.db'));
  migrate(db);
  migratePlugin(db, MEDIA);
  tv = new TvRepository(db);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

const LIB = '/srv/tv';
const SHOW = `${LIB}/Lost (2004)`;
const file = (name: string, episodes: ScannedEpisodeFile['episodes'], size = 100): ScannedEpisodeFile => ({
  videoFile: `${SHOW}/Season 01/${name}`,
  folder: `${SHOW}/Season 01`,
  fileSize: size,
  mtime: 1,
  episodes,
});
const details: SeriesDetails = {
  providerIds: { tmdb: '4607' },
  title: 'Lost',
  originalTitle: null,
  year: 2004,
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
  seasons: [{ seasonNumber: 1, name: 'Season 1', plot: null, premiered: '2004-09-22', episodeCount: 2 }],
};
const episode = (n: number, title: string): EpisodeDetails => ({
  providerIds: {},
  seasonNumber: 1,
  episodeNumber: n,
  title,
  plot: null,
  aired: null,
  runtimeMinutes: null,
  rating: null,
  votes: null,
  directors: [],
  writers: [],
  guestStars: [],
  thumbs: [],
});

describe('TvRepository', () => {
  it('tells new, changed and unchanged shows and files apart; a changed file is looked up again', () => {
    const show = tv.upsertShow({ libraryPath: LIB, path: SHOW, title: 'Lost', year: 2004 });
    expect(show.status).toBe('new');
    expect(tv.upsertShow({ libraryPath: LIB, path: SHOW, title: 'Lost', year: 2004 }).status).toBe('unchanged');
    expect(tv.upsertShow({ libraryPath: LIB, path: SHOW, title: 'Lost', year: 2004, idHints: { tvdb: '73739' } }).status).toBe('changed');
    const f = tv.upsertFile(show.id, file('Lost.S01E01.mkv', [{ season: 1, episode: 1 }]));
    expect(f.status).toBe('new');
    expect(tv.upsertFile(show.id, file('Lost.S01E01.mkv', [{ season: 1, episode: 1 }])).status).toBe('unchanged');
    const [stored] = tv.files(show.id).flatMap((x) => x.episodes);
    tv.saveEnrichment(show.id, {
      provider: 'local',
      providerId: '4607',
      details,
      seasons: details.seasons,
      episodes: [{ episodeId: stored!.id, details: episode(1, 'Pilot') }],
      replace: { showArtwork: true, seasons: [1] },
      assets: [],
    });
    expect(tv.needsEnrichment(show.id)).toBe(false);
    // An upgrade: same numbers, other size. Its metadata stays until the next lookup.
    expect(tv.upsertFile(show.id, file('Lost.S01E01.mkv', [{ season: 1, episode: 1 }], 200)).status).toBe('changed');
    expect(tv.needsEnrichment(show.id)).toBe(true);
    expect(tv.files(show.id)[0]!.episodes[0]!.metadata?.title).toBe('Pilot');
    // Other episode numbers: the episodes are replaced.
    expect(
      tv.upsertFile(
        show.id,
        file(
          'Lost.S01E01.mkv',
          [
            { season: 1, episode: 1 },
            { season: 1, episode: 2 },
          ],
          200,
        ),
      ).status,
    ).toBe('changed');
    expect(tv.files(show.id)[0]!.episodes.map((e) => [e.episode, e.metadata])).toEqual([
      [1, null],
      [2, null],
    ]);
    expect(tv.seasons(show.id).map((s) => s.seasonNumber)).toEqual([1]);
  });

  it('removes missing files on whole path segments, then the seasons and shows left empty', () => {
    const lost = tv.upsertShow({ libraryPath: LIB, path: SHOW, title: 'Lost', year: 2004 });
    const girl = tv.upsertShow({ libraryPath: LIB, path: `${LIB}/Lost Girl`, title: 'Lost Girl', year: null });
    tv.upsertFile(lost.id, file('Lost.S01E01.mkv', [{ season: 1, episode: 1 }]));
    tv.upsertFile(girl.id, {
      videoFile: `${LIB}/Lost Girl/Season 01/Lost.Girl.S01E01.mkv`,
      folder: `${LIB}/Lost Girl/Season 01`,
      fileSize: 1,
      mtime: 1,
      episodes: [{ season: 1, episode: 1 }],
    });
    expect(tv.removeMissingFiles(`${LIB}/Lost`, new Set())).toEqual([]);
    expect(tv.removeMissingFiles(SHOW, new Set())).toEqual([{ videoFile: `${SHOW}/Season 01/Lost.S01E01.mkv`, showId: lost.id }]);
    expect(tv.seasons(lost.id)).toEqual([]);
    expect(tv.removeEmptyShows({ showIds: [lost.id, girl.id] })).toEqual([SHOW]);
    expect(tv.listShows().map((s) => s.title)).toEqual(['Lost Girl']);
    // A full scan keeps only the shows it saw.
    expect(tv.removeEmptyShows({ folder: LIB, keep: new Set() })).toEqual([`${LIB}/Lost Girl`]);
    expect(tv.counts()).toEqual({ shows: 0, files: 0, episodes: 0 });
  });

  it('a file is due for publish until its current revision is published; enrichment that changes it makes it due again', () => {
    const show = tv.upsertShow({ libraryPath: LIB, path: SHOW, title: 'Lost', year: 2004 });
    tv.upsertFile(show.id, file('Lost.S01E01.mkv', [{ season: 1, episode: 1 }]));
    tv.upsertFile(show.id, file('Lost.S01E02.mkv', [{ season: 1, episode: 2 }]));
    const due = () =>
      tv
        .files(show.id)
        .filter((f) => f.publishedRevision === null || f.publishedRevision < f.revision)
        .map((f) => path.basename(f.videoFile));
    expect(due()).toEqual(['Lost.S01E01.mkv', 'Lost.S01E02.mkv']);
    tv.markPublished(show.id, { show: true, files: tv.files(show.id).map((f) => ({ id: f.id, revision: f.revision, changed: true })) });
    expect(due()).toEqual([]);
    const [e1, e2] = tv.files(show.id).flatMap((f) => f.episodes);
    const save = (title: string) =>
      tv.saveEnrichment(show.id, {
        provider: 'local',
        providerId: '4607',
        details,
        seasons: [],
        episodes: [
          { episodeId: e1!.id, details: episode(1, 'Pilot') },
          { episodeId: e2!.id, details: episode(2, title) },
        ],
        replace: { showArtwork: false, seasons: [] },
        assets: [],
      });
    save('Pilot, Part 2');
    expect(due()).toEqual(['Lost.S01E01.mkv', 'Lost.S01E02.mkv']);
    tv.markPublished(show.id, { show: true, files: tv.files(show.id).map((f) => ({ id: f.id, revision: f.revision, changed: true })) });
    // The same answer again changes nothing; a new title changes only its file.
    save('Pilot, Part 2');
    expect(due()).toEqual([]);
    save('Pilot (2)');
    expect(due()).toEqual(['Lost.S01E02.mkv']);
  });

  it('stamps a publish only on what it wrote something new for (and on a first publish), always forward, even within one millisecond', () => {
    const show = tv.upsertShow({ libraryPath: LIB, path: SHOW, title: 'Lost', year: 2004 });
    tv.upsertFile(show.id, file('Lost.S01E01.mkv', [{ season: 1, episode: 1 }]));
    tv.upsertFile(show.id, file('Lost.S01E02.mkv', [{ season: 1, episode: 2 }]));
    const [f1, f2] = tv.files(show.id);
    const stamps = () => [tv.getShow(show.id)!.publishedAt, ...tv.files(show.id).map((f) => f.publishedAt)];
    expect(stamps()).toEqual([null, null, null]);
    // A first publish stamps everything, even what it did not rewrite.
    tv.markPublished(
      show.id,
      {
        show: false,
        files: [
          { id: f1!.id, revision: f1!.revision, changed: false },
          { id: f2!.id, revision: f2!.revision, changed: false },
        ],
      },
      1000,
    );
    expect(stamps()).toEqual([1000, 1000, 1000]);
    // Nothing new written: nothing moves.
    tv.markPublished(show.id, { show: false, files: [{ id: f1!.id, revision: f1!.revision, changed: false }] }, 2000);
    expect(stamps()).toEqual([1000, 1000, 1000]);
    // Only the episode file that was rewritten; twice in one millisecond is two changes.
    tv.markPublished(show.id, { show: false, files: [{ id: f2!.id, revision: f2!.revision, changed: true }] }, 1000);
    tv.markPublished(show.id, { show: true, files: [{ id: f2!.id, revision: f2!.revision, changed: true }] }, 1000);
    expect(stamps()).toEqual([1001, 1000, 1002]);
  });

  it('refuses two selected candidates of one kind for the same season', () => {
    const show = tv.upsertShow({ libraryPath: LIB, path: SHOW, title: 'Lost', year: 2004 });
    const poster = {
      kind: 'poster' as const,
      language: null,
      width: 1,
      height: 1,
      votes: 0,
      scope: 'season' as const,
      season: 1,
      episode: 0,
      selected: true,
    };
    expect(() =>
      tv.saveEnrichment(show.id, {
        provider: 'local',
        providerId: '1',
        details,
        seasons: [],
        episodes: [],
        replace: { showArtwork: false, seasons: [1] },
        assets: [
          { ...poster, url: 'a' },
          { ...poster, url: 'b' },
        ],
      }),
    ).toThrow(/At most one poster may be selected per season/);
    expect(tv.getShow(show.id)!.enrichedAt).toBeNull();
  });
});

describe('the scan-tv payload', () => {
  it('takes a library, optional paths inside it and refresh; anything else is refused with the reason', () => {
    expect(scanTvSchema.safeParse({ libraryPath: LIB }).success).toBe(true);
    expect(scanTvSchema.safeParse({ libraryPath: LIB, paths: [SHOW, `${SHOW}/Season 01/x.mkv`], manual: true }).success).toBe(true);
    const outside = scanTvSchema.safeParse({ libraryPath: LIB, paths: ['/srv/movies/x', LIB] });
    expect(outside.success).toBe(false);
    expect(outside.error?.issues[0]).toMatchObject({ path: ['paths'], message: 'every entry of paths must lie inside libraryPath' });
    expect(scanTvSchema.safeParse({ libraryPath: LIB, paths: [] }).success).toBe(false);
    expect(scanTvSchema.safeParse({ libraryPath: 'tv' }).success).toBe(false);
    expect(scanTvSchema.safeParse({ libraryPath: LIB, moviePath: SHOW }).success).toBe(false);
    expect(scanTvSchema.safeParse({ libraryPath: LIB, manual: true, refresh: true }).success).toBe(true);
    expect(scanTvSchema.safeParse({ libraryPath: LIB, refresh: 'yes' }).error?.issues[0]).toMatchObject({
      path: ['refresh'],
      message: 'refresh must be a boolean',
    });
  });
});
