/**
 * The player contracts, against fakes built from the players' documented APIs: Kodi's
 * JSON-RPC library calls in the order a real Kodi needs them (its library is modelled by
 * FakeKodiLibrary; the real-Kodi suite judges a real Kodi), Jellyfin's per-path update
 * types and MediaBrowser authorization, Plex's folder scans and section lookup.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PlayerError } from '../../../src/media/errors.js';
import { plexSectionFor, syncPlayer } from '../../../src/media/players/index.js';
import type { PlayerSyncItem, PlayerSyncRequest } from '../../../src/media/types.js';
import { type FakePlayers, startFakePlayers } from '../support/fakePlayers.js';

let players: FakePlayers;
let dir: string;
let library: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'phaseq-sync-'));
  library = path.join(dir, 'movies');
  players = await startFakePlayers({
    plex: {
      sectionIds: ['1', '7'],
      sections: [
        { key: '1', locations: ['/data/other'] },
        { key: '7', locations: ['/data', '/data/movies'] },
      ],
    },
    kodi: { paths: [{ kodi: 'smb://nas/movies/', disk: '' }] },
  });
  players.kodi.library.views[0]!.disk = library;
});
afterAll(async () => {
  await players.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  players.reset();
  rmSync(library, { recursive: true, force: true });
  mkdirSync(library, { recursive: true });
});

let nextId = 1;
/** A movie folder on disk with its video and NFO; returns its sync item. */
function movie(title: string, { flat = false } = {}): PlayerSyncItem {
  const folder = flat ? library : path.join(library, `${title} (2001)`);
  mkdirSync(folder, { recursive: true });
  const videoFile = path.join(folder, `${title}.mkv`);
  writeFileSync(videoFile, 'video');
  writeFileSync(videoFile.replace(/\.mkv$/, '.nfo'), `<movie><title>${title}</title></movie>`);
  return { movieId: nextId++, libraryPath: library, folder, videoFile, publishedAt: 1 };
}

function request(partial: Partial<PlayerSyncRequest>): PlayerSyncRequest {
  return { added: [], changed: [], removed: [], pollMs: 5, ...partial };
}

/** A port nobody listens on: bound once, then released. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('Kodi', () => {
  it('scans the library folder once, only while idle, waits for the scan and reads the library back', async () => {
    const heat = movie('Heat');
    const alien = movie('Alien');
    players.kodi.library.busyPolls = 3;
    const result = await syncPlayer(players.kodi.config, request({ added: [heat, alien] }));
    expect(result).toMatchObject({ player: 'kodi', kind: 'kodi', confirmation: 'verified', missing: [], refreshed: [], removed: [] });
    expect(result.added.map((m) => m.videoFile)).toEqual([heat.videoFile, alien.videoFile]);
    const methods = players.kodi.rpcCalls().map((c) => c.method);
    // Idle check, listing, idle check, one Scan, polled until idle, listing.
    expect(methods.filter((m) => m === 'VideoLibrary.Scan')).toHaveLength(1);
    const scanAt = methods.indexOf('VideoLibrary.Scan');
    expect(methods[scanAt - 1]).toBe('XBMC.GetInfoBooleans');
    expect(methods.slice(scanAt + 1, scanAt + 5)).toEqual(Array(4).fill('XBMC.GetInfoBooleans'));
    expect(methods.at(-1)).toBe('VideoLibrary.GetMovies');
    expect(players.kodi.rpcCalls()[scanAt]?.params).toEqual({ directory: `${library}/`, showdialogs: false });
    expect(result.requests).toBe(methods.length);
    expect(
      players.kodi.library
        .list()
        .map((m) => m.title)
        .sort(),
    ).toEqual(['Alien', 'Heat']);
    const [sent] = players.kodi.requests;
    expect(sent?.headers['content-type']).toBe('application/json');
    expect(sent?.headers.authorization).toBe(`Basic ${Buffer.from('kodi:kodi-secret').toString('base64')}`);
  });

  it('waits while Kodi is busy with work of its own instead of toggling it off', async () => {
    const heat = movie('Heat');
    players.kodi.library.busyFor(4);
    const result = await syncPlayer(players.kodi.config, request({ added: [heat] }));
    expect(result.missing).toEqual([]);
    expect(players.kodi.library.lostScans).toBe(0);
  });

  it('gives up with PlayerError when Kodi stays busy past the time limit', async () => {
    players.kodi.library.busyFor(1_000_000);
    const error = await syncPlayer(players.kodi.config, request({ added: [movie('Heat')], timeoutMs: 50 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlayerError);
    expect((error as Error).message).toMatch(/still scanning before the sync after 0 s/);
    expect(players.kodi.rpcCalls().some((c) => c.method === 'VideoLibrary.Scan')).toBe(false);
  });

  it('reports a movie Kodi does not list after its scan as missing (a dropped scan)', async () => {
    const heat = movie('Heat');
    players.kodi.library.dropScans(1);
    const result = await syncPlayer(players.kodi.config, request({ added: [heat] }));
    expect(result.added).toEqual([]);
    expect(result.missing).toEqual([heat]);
  });

  it('refreshes a changed movie by the id found under its path, and sees the refresh end under a new id', async () => {
    const heat = movie('Heat');
    await syncPlayer(players.kodi.config, request({ added: [heat] }));
    const before = players.kodi.library.byFile(heat.videoFile)!;
    writeFileSync(heat.videoFile.replace(/\.mkv$/, '.nfo'), "<movie><title>Heat (director's cut)</title></movie>");
    players.kodi.requests.length = 0;
    const result = await syncPlayer(players.kodi.config, request({ changed: [heat] }));
    expect(result).toMatchObject({ refreshed: [heat], added: [], missing: [] });
    expect(players.kodi.rpcCalls().filter((c) => c.method === 'VideoLibrary.RefreshMovie')).toEqual([
      { method: 'VideoLibrary.RefreshMovie', params: { movieid: before.movieid, ignorenfo: false } },
    ]);
    expect(players.kodi.rpcCalls().some((c) => c.method === 'VideoLibrary.Scan')).toBe(false);
    expect(players.kodi.library.byFile(heat.videoFile)?.title).toBe("Heat (director's cut)");
  });

  it('scans a changed movie Kodi does not hold like a new one', async () => {
    const heat = movie('Heat');
    const result = await syncPlayer(players.kodi.config, request({ changed: [heat] }));
    expect(result).toMatchObject({ added: [heat], refreshed: [], missing: [] });
  });

  it('removes a deleted movie by id and checks it is gone; a renamed one is removed and scanned', async () => {
    const heat = movie('Heat');
    const alien = movie('Alien');
    await syncPlayer(players.kodi.config, request({ added: [heat, alien] }));
    rmSync(heat.folder, { recursive: true });
    // Alien's folder renamed: the old file is a removal, the new one an addition.
    const renamed = movie('Alien Director Cut');
    rmSync(alien.folder, { recursive: true });
    players.kodi.requests.length = 0;
    const result = await syncPlayer(players.kodi.config, request({ removed: [heat, alien], added: [renamed] }));
    expect(result).toMatchObject({ removed: [heat, alien], added: [renamed], missing: [] });
    expect(players.kodi.rpcCalls().filter((c) => c.method === 'VideoLibrary.RemoveMovie')).toHaveLength(2);
    expect(players.kodi.library.list().map((m) => m.file)).toEqual([renamed.videoFile]);
  });

  it('maps every path it sends and every path it looks up (pathMap)', async () => {
    const heat = movie('Heat');
    const config = { ...players.kodi.config, pathMap: [{ from: library, to: 'smb://nas/movies' }] };
    const result = await syncPlayer(config, request({ added: [heat] }));
    expect(result.missing).toEqual([]);
    const scan = players.kodi.rpcCalls().find((c) => c.method === 'VideoLibrary.Scan');
    expect(scan?.params).toEqual({ directory: 'smb://nas/movies/', showdialogs: false });
    const listing = players.kodi.rpcCalls().find((c) => c.method === 'VideoLibrary.GetMovies');
    expect(listing?.params).toMatchObject({ filter: { field: 'path', operator: 'startswith', value: 'smb://nas/movies/' } });
    expect(players.kodi.library.list().map((m) => m.file)).toEqual(['smb://nas/movies/Heat (2001)/Heat.mkv']);
    // Mapped to a folder Kodi cannot see, the movie is missing, never taken as done.
    players.kodi.library.movies.clear();
    const wrong = { ...players.kodi.config, pathMap: [{ from: library, to: 'smb://other/movies' }] };
    const unmapped = await syncPlayer(wrong, request({ added: [heat] }));
    expect(unmapped.missing).toEqual([heat]);
  });

  it('cleans each library folder first when cleanFirst is set, and waits for the clean', async () => {
    players.kodi.library.busyPolls = 2;
    await syncPlayer(players.kodi.config, request({ added: [movie('Heat')], cleanFirst: true }));
    const methods = players.kodi.rpcCalls().map((c) => c.method);
    const clean = methods.indexOf('VideoLibrary.Clean');
    expect(clean).toBeGreaterThan(-1);
    expect(methods.slice(clean + 1, clean + 4)).toEqual(Array(3).fill('XBMC.GetInfoBooleans'));
    expect(methods.indexOf('VideoLibrary.Scan')).toBeGreaterThan(clean + 3);
    expect(players.kodi.library.lostScans).toBe(0);
  });

  it('throws PlayerError 401 for a wrong password and with the JSON-RPC error even though HTTP said 200', async () => {
    const config = { ...players.kodi.config, auth: { username: 'kodi', password: 'wrong' } };
    await expect(syncPlayer(config, request({ added: [movie('Heat')] }))).rejects.toMatchObject({ status: 401, code: 'PLAYER_ERROR' });
    players.kodi.failNext(1, { rpcError: { code: -32602, message: 'Invalid params.' } });
    const error = await syncPlayer(players.kodi.config, request({ added: [movie('Heat')] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlayerError);
    expect((error as PlayerError).rpcError).toEqual({ code: -32602, message: 'Invalid params.' });
  });
});

describe('Kodi shutting down', () => {
  it('an answer of null (what Kodi 20.1 sends while it stops) is a PlayerError, not a crash or an empty library', async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"id":1,"jsonrpc":"2.0","result":null}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const error = await syncPlayer({ ...players.kodi.config, url }, request({ added: [movie('Heat')] })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PlayerError);
      expect((error as Error).message).toMatch(/XBMC\.GetInfoBooleans answered null \(is Kodi shutting down\?\)/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('Jellyfin', () => {
  it('sends one update per path with its type, Authorization: MediaBrowser Token, and accepts for all', async () => {
    const heat = movie('Heat');
    const alien = movie('Alien');
    const flat = movie('Flat', { flat: true });
    const config = { ...players.jellyfin.config, pathMap: [{ from: library, to: '/data/movies' }] };
    const result = await syncPlayer(config, request({ added: [heat, flat], changed: [alien], removed: [movie('Gone')] }));
    expect(result).toMatchObject({ confirmation: 'accepted', missing: [], requests: 1 });
    expect(players.jellyfin.requests).toHaveLength(1);
    const [sent] = players.jellyfin.requests;
    expect(sent).toMatchObject({ method: 'POST', path: '/Library/Media/Updated', status: 204 });
    expect(sent?.headers.authorization).toBe('MediaBrowser Token="jellyfin-key"');
    expect(sent?.headers['x-emby-token']).toBeUndefined();
    expect(sent?.body).toEqual({
      Updates: [
        { Path: '/data/movies/Gone (2001)', UpdateType: 'Deleted' },
        { Path: '/data/movies/Heat (2001)', UpdateType: 'Created' },
        { Path: '/data/movies/Flat.mkv', UpdateType: 'Created' },
        { Path: '/data/movies/Alien (2001)', UpdateType: 'Modified' },
      ],
    });
  });

  it('falls back to a full refresh when the server has no Media/Updated endpoint', async () => {
    const legacy = await startFakePlayers({ jellyfin: { mediaUpdated: false } });
    try {
      const result = await syncPlayer(legacy.jellyfin.config, request({ added: [movie('Heat')] }));
      expect(legacy.jellyfin.requests.map((r) => [r.path, r.status])).toEqual([
        ['/Library/Media/Updated', 404],
        ['/Library/Refresh', 204],
      ]);
      expect(result.requests).toBe(2);
    } finally {
      await legacy.close();
    }
  });

  it('throws PlayerError 401 for a wrong key and does not fall back', async () => {
    const config = { ...players.jellyfin.config, auth: { apiKey: 'wrong' } };
    await expect(syncPlayer(config, request({ added: [movie('Heat')] }))).rejects.toMatchObject({ status: 401 });
    expect(players.jellyfin.requests.map((r) => r.path)).toEqual(['/Library/Media/Updated']);
  });
});

describe('Plex', () => {
  it('scans each new or changed movie folder, and the parent of a removed one, with the token', async () => {
    const heat = movie('Heat');
    const alien = movie('Alien');
    const config = { ...players.plex.config, pathMap: [{ from: library, to: '/data/movies' }] };
    const result = await syncPlayer(config, request({ added: [heat], changed: [alien], removed: [movie('Gone')] }));
    expect(result).toMatchObject({ confirmation: 'accepted', missing: [], requests: 3 });
    expect(players.plex.requests.map((r) => [r.path, r.query['path'], r.status])).toEqual([
      ['/library/sections/1/refresh', '/data/movies/Heat (2001)', 200],
      ['/library/sections/1/refresh', '/data/movies/Alien (2001)', 200],
      ['/library/sections/1/refresh', '/data/movies', 200],
    ]);
    expect(players.plex.requests[0]?.headers['x-plex-token']).toBe('plex-token');
  });

  it('finds the section from the locations of /library/sections when none is configured', async () => {
    const config = { ...players.plex.config, auth: { token: 'plex-token' }, pathMap: [{ from: library, to: '/data/movies' }] };
    await syncPlayer(config, request({ added: [movie('Heat')] }));
    expect(players.plex.requests.map((r) => `${r.path}?${r.query['path'] ?? ''}`)).toEqual([
      '/library/sections?',
      '/library/sections/7/refresh?/data/movies/Heat (2001)',
    ]);
    expect(plexSectionFor([{ key: '3', Location: [{ path: '/data/movie' }] }], '/data/movies')).toBeUndefined();
    const unmapped = await syncPlayer({ ...config, pathMap: [] }, request({ added: [movie('Heat')] })).catch((e: unknown) => e);
    expect(unmapped).toBeInstanceOf(PlayerError);
    expect((unmapped as Error).message).toMatch(/no library section of Plex has a folder containing/);
  });

  it('scans the library folder once instead of more than 20 movie folders', async () => {
    const many = Array.from({ length: 21 }, (_, i) => movie(`Movie ${i}`));
    await syncPlayer(players.plex.config, request({ added: many }));
    expect(players.plex.requests.map((r) => r.query['path'])).toEqual([library]);
  });

  it('throws PlayerError for a wrong token (401) and an unknown section (404)', async () => {
    const heat = movie('Heat');
    await expect(
      syncPlayer({ ...players.plex.config, auth: { token: 'bad', sectionId: '1' } }, request({ added: [heat] })),
    ).rejects.toMatchObject({
      status: 401,
    });
    const error = await syncPlayer(
      { ...players.plex.config, auth: { token: 'plex-token', sectionId: '99' } },
      request({ added: [heat] }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlayerError);
    expect((error as PlayerError).path).toMatch(/^\/library\/sections\/99\/refresh\?path=/);
    expect((error as PlayerError).status).toBe(404);
  });
});

describe('any player', () => {
  it('throws PlayerError without status when nobody listens, naming player and path', async () => {
    const url = await deadUrl();
    for (const config of players.configs) {
      const error = await syncPlayer({ ...config, url }, request({ added: [movie('Heat')] })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PlayerError);
      expect(error).toMatchObject({ player: config.name, status: null, code: 'PLAYER_ERROR' });
      expect((error as Error).message).toContain('network error');
    }
  });

  it('tolerates a trailing slash in the player URL and rethrows the abort reason', async () => {
    const config = { ...players.jellyfin.config, url: `${players.jellyfin.url}/` };
    await syncPlayer(config, request({ added: [movie('Heat')] }));
    expect(players.jellyfin.requests[0]?.path).toBe('/Library/Media/Updated');
    const controller = new AbortController();
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(syncPlayer(players.kodi.config, request({ added: [movie('Heat')] }), controller.signal)).rejects.toBe(reason);
  });

  it('aborts a wait on a busy Kodi at once when the signal fires', async () => {
    players.kodi.library.busyFor(1_000_000);
    const controller = new AbortController();
    const reason = new Error('shutting down');
    setTimeout(() => controller.abort(reason), 30);
    const started = Date.now();
    await expect(syncPlayer(players.kodi.config, request({ added: [movie('Heat')], pollMs: 10_000 }), controller.signal)).rejects.toBe(
      reason,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
