/**
 * The player contracts for TV shows and episode files, against the fakes: Kodi's JSON-RPC
 * calls for a `tvshows` source (one scan of the source folder, refreshes and removals by
 * the ids found by path, every episode read back by its numbers; the real-Kodi suite
 * judges a real Kodi), Jellyfin's per-path update types, Plex's folder scans.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { syncPlayer } from '../../../src/media/players/index.js';
import type { EpisodeFileSyncItem, EpisodeNumber, PlayerSyncRequest, SyncChanges, TvShowSyncItem } from '../../../src/media/types.js';
import { type FakePlayers, startFakePlayers } from '../support/fakePlayers.js';

let players: FakePlayers;
let dir: string;
let tv: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'phaseq-tv-sync-'));
  tv = path.join(dir, 'tv');
  players = await startFakePlayers({
    plex: { sectionIds: ['4'], sections: [{ key: '4', type: 'show', locations: ['/data/tv'] }] },
    kodi: { paths: [{ kodi: 'smb://nas/tv/', disk: '' }] },
  });
  players.kodi.library.views[0]!.disk = tv;
});
afterAll(async () => {
  await players.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  players.reset();
  players.kodi.library.tvSources.clear();
  players.kodi.library.addTvSource(`${tv}/`);
  rmSync(tv, { recursive: true, force: true });
  mkdirSync(tv, { recursive: true });
});

let nextId = 1;

/** A show folder with its tvshow.nfo (unless `nfo: false`); returns its sync item. */
function show(title: string, { nfo = true } = {}): TvShowSyncItem {
  const folder = path.join(tv, `${title} (2010)`);
  mkdirSync(folder, { recursive: true });
  if (nfo) writeFileSync(path.join(folder, 'tvshow.nfo'), `<tvshow><title>${title}</title></tvshow>`);
  return { showId: nextId++, libraryPath: tv, folder, publishedAt: 1 };
}

function nfoOf(episodes: readonly EpisodeNumber[], title: string): string {
  return episodes
    .map(
      (e, i) =>
        `<episodedetails><title>${title} ${i + 1}</title><season>${e.season}</season><episode>${e.episode}</episode></episodedetails>`,
    )
    .join('\n');
}

/**
 * An episode file of a show with its NFO (numbered as `onDisk`, which defaults to what the
 * item expects; none with `nfo: false`); returns its sync item.
 */
function episodeFile(
  owner: TvShowSyncItem,
  season: string,
  name: string,
  episodes: EpisodeNumber[],
  { nfo = true, onDisk = episodes, title = name }: { nfo?: boolean; onDisk?: EpisodeNumber[]; title?: string } = {},
): EpisodeFileSyncItem {
  const folder = path.join(owner.folder, season);
  mkdirSync(folder, { recursive: true });
  const videoFile = path.join(folder, `${name}.mkv`);
  writeFileSync(videoFile, 'video');
  if (nfo) writeFileSync(videoFile.replace(/\.mkv$/, '.nfo'), nfoOf(onDisk, title));
  return { fileId: nextId++, showId: owner.showId, libraryPath: tv, showFolder: owner.folder, folder, videoFile, episodes, publishedAt: 1 };
}

const none = <T>(): SyncChanges<T> => ({ added: [], changed: [], removed: [] });

function request(tvChanges: {
  shows?: Partial<SyncChanges<TvShowSyncItem>>;
  episodes?: Partial<SyncChanges<EpisodeFileSyncItem>>;
}): PlayerSyncRequest {
  return {
    added: [],
    changed: [],
    removed: [],
    shows: { ...none<TvShowSyncItem>(), ...tvChanges.shows },
    episodes: { ...none<EpisodeFileSyncItem>(), ...tvChanges.episodes },
    pollMs: 5,
  };
}

/** A small library: Alpha with a two-episode file and a special, Beta with one episode. */
function library() {
  const alpha = show('Alpha');
  const beta = show('Beta');
  const a1 = episodeFile(alpha, 'Season 01', 'Alpha.S01E01', [{ season: 1, episode: 1 }]);
  const a23 = episodeFile(alpha, 'Season 01', 'Alpha.S01E02E03', [
    { season: 1, episode: 2 },
    { season: 1, episode: 3 },
  ]);
  const special = episodeFile(alpha, 'Specials', 'Alpha.S00E01', [{ season: 0, episode: 1 }]);
  const b1 = episodeFile(beta, 'Season 01', 'Beta.S01E01', [{ season: 1, episode: 1 }]);
  return { alpha, beta, a1, a23, special, b1, files: [a1, a23, special, b1] };
}

const methods = () => players.kodi.rpcCalls().map((c) => c.method);

describe('Kodi: TV shows and episodes', () => {
  it('adds new shows and episode files with one scan of the source folder, only while idle, and reads every episode back by its numbers', async () => {
    const lib = library();
    players.kodi.library.busyPolls = 3;
    players.kodi.library.busyFor(2);
    const result = await syncPlayer(
      players.kodi.config,
      request({ shows: { added: [lib.alpha, lib.beta] }, episodes: { added: lib.files } }),
    );
    expect(result).toMatchObject({ confirmation: 'verified', missing: [] });
    expect(result.shows).toEqual({ added: [lib.alpha, lib.beta], refreshed: [], removed: [], missing: [] });
    expect(result.episodes).toEqual({ added: lib.files, refreshed: [], removed: [], missing: [] });
    const calls = players.kodi.rpcCalls();
    expect(calls.filter((c) => c.method === 'VideoLibrary.Scan').map((c) => c.params)).toEqual([
      { directory: `${tv}/`, showdialogs: false },
    ]);
    // The scan came only once Kodi was idle, so none was lost to the toggle.
    expect(players.kodi.library.lostScans).toBe(0);
    for (const method of ['VideoLibrary.GetTVShows', 'VideoLibrary.GetEpisodes']) {
      expect(calls.find((c) => c.method === method)?.params).toMatchObject({
        filter: { field: 'path', operator: 'startswith', value: `${tv}/` },
      });
    }
    expect(players.kodi.library.listEpisodes().map((e) => `${path.basename(e.file)} ${e.season}x${e.episode}`)).toEqual([
      'Alpha.S01E01.mkv 1x1',
      'Alpha.S01E02E03.mkv 1x2',
      'Alpha.S01E02E03.mkv 1x3',
      'Alpha.S00E01.mkv 0x1',
      'Beta.S01E01.mkv 1x1',
    ]);
  });

  it('reports as missing a show or file Kodi does not list, and a file whose episodes Kodi numbers otherwise than the NFO it was published with', async () => {
    const alpha = show('Alpha');
    const gamma = show('Gamma', { nfo: false });
    const listed = episodeFile(alpha, 'Season 01', 'Alpha.S01E01', [{ season: 1, episode: 1 }]);
    const noNfo = episodeFile(alpha, 'Season 01', 'Alpha.S01E02', [{ season: 1, episode: 2 }], { nfo: false });
    const renumbered = episodeFile(
      alpha,
      'Season 01',
      'Alpha.S01E03E04',
      [
        { season: 1, episode: 3 },
        { season: 1, episode: 4 },
      ],
      {
        onDisk: [
          { season: 1, episode: 3 },
          { season: 1, episode: 5 },
        ],
      },
    );
    const gammaFile = episodeFile(gamma, 'Season 01', 'Gamma.S01E01', [{ season: 1, episode: 1 }]);
    const result = await syncPlayer(
      players.kodi.config,
      request({ shows: { added: [alpha, gamma] }, episodes: { added: [listed, noNfo, renumbered, gammaFile] } }),
    );
    expect(result.shows).toMatchObject({ added: [alpha], missing: [gamma] });
    expect(result.episodes).toMatchObject({ added: [listed], missing: [noNfo, renumbered, gammaFile] });
  });

  it('refreshes a changed show by its tvshowid and a changed file by the episodeid of each of its episodes (a two-episode file in two rounds), and scans the folder after them', async () => {
    const lib = library();
    await syncPlayer(players.kodi.config, request({ shows: { added: [lib.alpha, lib.beta] }, episodes: { added: lib.files } }));
    const kodi = players.kodi.library;
    const alphaId = kodi.showByFile(`${lib.alpha.folder}/`)!.tvshowid;
    const oldIds = kodi.episodesOf(lib.a23.videoFile).map((e) => e.episodeid);
    writeFileSync(path.join(lib.alpha.folder, 'tvshow.nfo'), '<tvshow><title>Alpha, Renamed</title></tvshow>');
    writeFileSync(lib.a23.videoFile.replace(/\.mkv$/, '.nfo'), nfoOf(lib.a23.episodes, 'New'));
    players.reset({ keepLibrary: true });

    const result = await syncPlayer(players.kodi.config, request({ shows: { changed: [lib.alpha] }, episodes: { changed: [lib.a23] } }));
    expect(result.shows).toEqual({ added: [], refreshed: [lib.alpha], removed: [], missing: [] });
    expect(result.episodes).toEqual({ added: [], refreshed: [lib.a23], removed: [], missing: [] });
    const calls = players.kodi.rpcCalls();
    expect(calls.filter((c) => c.method.startsWith('VideoLibrary.Refresh')).map((c) => [c.method, c.params])).toEqual([
      ['VideoLibrary.RefreshTVShow', { tvshowid: alphaId, ignorenfo: false }],
      ['VideoLibrary.RefreshEpisode', { episodeid: oldIds[0], ignorenfo: false }],
      ['VideoLibrary.RefreshEpisode', { episodeid: oldIds[1], ignorenfo: false }],
    ]);
    // Kodi drops a second refresh of a file while the first is queued: the two-episode
    // file's second episode is refreshed in a second round, after a scan queued behind the
    // first round ended. A scan ends the last round too: Kodi runs its library jobs one at
    // a time, in order.
    const order = methods().filter((m) => m.startsWith('VideoLibrary.Refresh') || m === 'VideoLibrary.Scan');
    expect(order).toEqual([
      'VideoLibrary.RefreshTVShow',
      'VideoLibrary.RefreshEpisode',
      'VideoLibrary.Scan',
      'VideoLibrary.RefreshEpisode',
      'VideoLibrary.Scan',
    ]);
    expect(kodi.droppedRefreshes).toBe(0);
    expect(kodi.showByFile(`${lib.alpha.folder}/`)).toMatchObject({ tvshowid: alphaId, title: 'Alpha, Renamed' });
    expect(kodi.episodesOf(lib.a23.videoFile).map((e) => e.title)).toEqual(['New 1', 'New 2']);
  });

  it('scans for a changed show or file Kodi does not hold, like a new one', async () => {
    const lib = library();
    const result = await syncPlayer(players.kodi.config, request({ shows: { changed: [lib.alpha] }, episodes: { changed: [lib.a1] } }));
    expect(result.shows.added).toEqual([lib.alpha]);
    expect(result.episodes.added).toEqual([lib.a1]);
    expect(methods().filter((m) => m.startsWith('VideoLibrary.Refresh'))).toEqual([]);
  });

  it("removes a removed file's episodes by id and a removed show with one call (its files need none), without a scan", async () => {
    const lib = library();
    await syncPlayer(players.kodi.config, request({ shows: { added: [lib.alpha, lib.beta] }, episodes: { added: lib.files } }));
    const kodi = players.kodi.library;
    const a23Ids = kodi.episodesOf(lib.a23.videoFile).map((e) => e.episodeid);
    const betaId = kodi.showByFile(`${lib.beta.folder}/`)!.tvshowid;
    rmSync(lib.a23.videoFile);
    rmSync(lib.beta.folder, { recursive: true });
    players.reset({ keepLibrary: true });

    const result = await syncPlayer(
      players.kodi.config,
      request({ shows: { removed: [lib.beta] }, episodes: { removed: [lib.a23, lib.b1] } }),
    );
    expect(result.shows).toEqual({ added: [], refreshed: [], removed: [lib.beta], missing: [] });
    expect(result.episodes).toEqual({ added: [], refreshed: [], removed: [lib.a23, lib.b1], missing: [] });
    expect(
      players.kodi
        .rpcCalls()
        .filter((c) => c.method.startsWith('VideoLibrary.Remove'))
        .map((c) => [c.method, c.params]),
    ).toEqual([
      ['VideoLibrary.RemoveEpisode', { episodeid: a23Ids[0] }],
      ['VideoLibrary.RemoveEpisode', { episodeid: a23Ids[1] }],
      ['VideoLibrary.RemoveTVShow', { tvshowid: betaId }],
    ]);
    expect(methods()).not.toContain('VideoLibrary.Scan');
    expect(kodi.listShows().map((s) => s.title)).toEqual(['Alpha']);
    expect(kodi.listEpisodes().map((e) => path.basename(e.file))).toEqual(['Alpha.S01E01.mkv', 'Alpha.S00E01.mkv']);
  });

  it('a file removed and added again (a re-import) is dropped and read afresh', async () => {
    const lib = library();
    await syncPlayer(players.kodi.config, request({ shows: { added: [lib.alpha] }, episodes: { added: [lib.a1] } }));
    const before = players.kodi.library.episodesOf(lib.a1.videoFile)[0]!.episodeid;
    const again = { ...lib.a1, fileId: nextId++ };
    const result = await syncPlayer(players.kodi.config, request({ episodes: { removed: [lib.a1], added: [again] } }));
    expect(result.episodes).toMatchObject({ added: [again], removed: [lib.a1], missing: [] });
    expect(players.kodi.library.episodesOf(lib.a1.videoFile).map((e) => e.episodeid)).not.toContain(before);
  });

  it("looks up, scans and refreshes in Kodi's paths (pathMap)", async () => {
    const lib = library();
    players.kodi.library.tvSources.clear();
    players.kodi.library.addTvSource('smb://nas/tv/');
    const config = { ...players.kodi.config, pathMap: [{ from: tv, to: 'smb://nas/tv' }] };
    const result = await syncPlayer(config, request({ shows: { added: [lib.alpha] }, episodes: { added: [lib.a1, lib.a23] } }));
    expect(result.episodes.added).toEqual([lib.a1, lib.a23]);
    expect(players.kodi.rpcCalls().find((c) => c.method === 'VideoLibrary.Scan')?.params).toEqual({
      directory: 'smb://nas/tv/',
      showdialogs: false,
    });
    // Kodi names every file as it reached it: below its own path of the source.
    const files = players.kodi.library.listEpisodes().map((e) => e.file);
    expect(files.every((f) => f.startsWith('smb://nas/tv/'))).toBe(true);
    expect(files).toContain('smb://nas/tv/Alpha (2010)/Season 01/Alpha.S01E02E03.mkv');
  });
});

describe('Jellyfin: TV shows and episodes', () => {
  it('reports episode files by file and shows by folder, each with what happened to it', async () => {
    const lib = library();
    const config = { ...players.jellyfin.config, pathMap: [{ from: tv, to: '/data/tv' }] };
    const result = await syncPlayer(
      config,
      request({ shows: { added: [lib.beta], changed: [lib.alpha] }, episodes: { added: [lib.b1], changed: [lib.a1], removed: [lib.a23] } }),
    );
    expect(result).toMatchObject({ confirmation: 'accepted', requests: 1 });
    expect(result.shows).toEqual({ added: [lib.beta], refreshed: [lib.alpha], removed: [], missing: [] });
    expect(result.episodes).toEqual({ added: [lib.b1], refreshed: [lib.a1], removed: [lib.a23], missing: [] });
    const [sent] = players.jellyfin.requests;
    expect(sent?.body).toEqual({
      Updates: [
        { Path: '/data/tv/Alpha (2010)/Season 01/Alpha.S01E02E03.mkv', UpdateType: 'Deleted' },
        { Path: '/data/tv/Beta (2010)', UpdateType: 'Created' },
        { Path: '/data/tv/Beta (2010)/Season 01/Beta.S01E01.mkv', UpdateType: 'Created' },
        { Path: '/data/tv/Alpha (2010)', UpdateType: 'Modified' },
        { Path: '/data/tv/Alpha (2010)/Season 01/Alpha.S01E01.mkv', UpdateType: 'Modified' },
      ],
    });
  });
});

describe('Plex: TV shows and episodes', () => {
  it("scans a new or changed file's season folder, a changed show's folder (not its season folders again), a removed file's show folder, and the library folder for a removed show", async () => {
    const lib = library();
    const gamma = show('Gamma');
    const gammaFile = episodeFile(gamma, 'Season 01', 'Gamma.S01E01', [{ season: 1, episode: 1 }]);
    const config = { ...players.plex.config, auth: { token: 'plex-token' }, pathMap: [{ from: tv, to: '/data/tv' }] };
    const result = await syncPlayer(
      config,
      request({
        shows: { changed: [lib.alpha], removed: [gamma] },
        episodes: { added: [lib.b1], changed: [lib.a1], removed: [lib.special, gammaFile] },
      }),
    );
    expect(result).toMatchObject({ confirmation: 'accepted' });
    expect(result.episodes.removed).toEqual([lib.special, gammaFile]);
    expect(players.plex.requests.map((r) => `${r.path}?${r.query['path'] ?? ''}`)).toEqual([
      '/library/sections?',
      '/library/sections/4/refresh?/data/tv/Alpha (2010)',
      '/library/sections/4/refresh?/data/tv',
      '/library/sections/4/refresh?/data/tv/Beta (2010)/Season 01',
    ]);
  });
});
