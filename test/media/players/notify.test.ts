import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PlayerError } from '../../../src/media/errors.js';
import { notifyPlayer } from '../../../src/media/players/index.js';
import { type FakePlayers, startFakePlayers } from '../support/fakePlayers.js';

let players: FakePlayers;
beforeAll(async () => {
  players = await startFakePlayers({ plex: { sectionIds: ['1', '7'] } });
});
afterAll(async () => {
  await players.close();
});
beforeEach(() => {
  players.reset();
});

/** A port nobody listens on: bound once, then released. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

const request = { libraryPath: '/srv/movies', moviePath: '/srv/movies/Heat (1995)' };

describe('Kodi', () => {
  it('scans the mapped parent folder of a new movie, with a trailing slash, JSON and basic auth', async () => {
    const config = { ...players.kodi.config, pathMap: [{ from: '/srv/movies', to: 'smb://nas/movies' }] };
    const result = await notifyPlayer(config, request);
    expect(result).toEqual({
      player: 'kodi',
      kind: 'kodi',
      playerPath: 'smb://nas/movies/',
      calls: [{ method: 'POST', path: '/jsonrpc', status: 200, rpcMethod: 'VideoLibrary.Scan' }],
    });
    expect(players.kodi.rpcCalls()).toEqual([
      { method: 'VideoLibrary.Scan', params: { directory: 'smb://nas/movies/', showdialogs: false } },
    ]);
    const [sent] = players.kodi.requests;
    expect(sent?.headers['content-type']).toBe('application/json');
    expect(sent?.headers.authorization).toBe(`Basic ${Buffer.from('kodi:kodi-secret').toString('base64')}`);
    expect(sent?.body).toMatchObject({ jsonrpc: '2.0', id: expect.any(Number) });
  });

  it('scans the library folder itself when no movie folder is named', async () => {
    await notifyPlayer(players.kodi.config, { libraryPath: '/srv/movies' });
    expect(players.kodi.rpcCalls()).toEqual([{ method: 'VideoLibrary.Scan', params: { directory: '/srv/movies/', showdialogs: false } }]);
  });

  it('cleans before scanning when cleanFirst is set', async () => {
    const result = await notifyPlayer(players.kodi.config, { ...request, cleanFirst: true });
    expect(players.kodi.rpcCalls().map((call) => call.method)).toEqual(['VideoLibrary.Clean', 'VideoLibrary.Scan']);
    expect(result.calls.map((call) => call.rpcMethod)).toEqual(['VideoLibrary.Clean', 'VideoLibrary.Scan']);
  });

  it('throws PlayerError 401 for a wrong password and does not scan', async () => {
    const config = { ...players.kodi.config, auth: { username: 'kodi', password: 'wrong' } };
    const error = await notifyPlayer(config, request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlayerError);
    expect(error).toMatchObject({ player: 'kodi', path: '/jsonrpc', status: 401, transient: false });
    expect(players.kodi.rpcCalls()).toEqual([]);
  });

  it('throws PlayerError with the JSON-RPC error even though HTTP said 200', async () => {
    players.kodi.failNext(1, { rpcError: { code: -32602, message: 'Invalid params.' } });
    const error = await notifyPlayer(players.kodi.config, { ...request, cleanFirst: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlayerError);
    expect(error).toMatchObject({ status: 200, rpcError: { code: -32602, message: 'Invalid params.' } });
    expect((error as Error).message).toContain('VideoLibrary.Clean failed');
    // The failed Clean stops the notification: no scan was sent after it.
    expect(players.kodi.requests).toHaveLength(1);
  });

  it('throws PlayerError on a 500 and on a dropped connection', async () => {
    players.kodi.failNext(1, 500);
    await expect(notifyPlayer(players.kodi.config, request)).rejects.toMatchObject({ status: 500, transient: true });
    players.kodi.failNext(1, 'reset');
    const reset = await notifyPlayer(players.kodi.config, request).catch((e: unknown) => e);
    expect(reset).toBeInstanceOf(PlayerError);
    expect(reset).toMatchObject({ status: null, transient: true });
  });

  it('the fake refuses what real Kodi refuses: no JSON content type (415), GET (405)', async () => {
    const auth = `Basic ${Buffer.from('kodi:kodi-secret').toString('base64')}`;
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'JSONRPC.Ping' });
    const noType = await fetch(`${players.kodi.url}/jsonrpc`, { method: 'POST', headers: { Authorization: auth }, body });
    expect(noType.status).toBe(415);
    const get = await fetch(`${players.kodi.url}/jsonrpc`, { headers: { Authorization: auth } });
    expect(get.status).toBe(405);
    const ping = await fetch(`${players.kodi.url}/jsonrpc`, {
      method: 'POST',
      headers: { Authorization: auth, 'Content-Type': 'application/json' },
      body,
    });
    expect(await ping.json()).toEqual({ jsonrpc: '2.0', id: 1, result: 'pong' });
  });
});

describe('Jellyfin', () => {
  it('reports the mapped movie folder as created, with the API key', async () => {
    const config = { ...players.jellyfin.config, pathMap: [{ from: '/srv/movies', to: '/data/movies' }] };
    const result = await notifyPlayer(config, request);
    expect(result).toEqual({
      player: 'jellyfin',
      kind: 'jellyfin',
      playerPath: '/data/movies/Heat (1995)',
      calls: [{ method: 'POST', path: '/Library/Media/Updated', status: 204 }],
    });
    const [sent] = players.jellyfin.requests;
    expect(sent?.headers['x-emby-token']).toBe('jellyfin-key');
    expect(sent?.body).toEqual({ Updates: [{ Path: '/data/movies/Heat (1995)', UpdateType: 'Created' }] });
  });

  it('falls back to a full refresh when the server has no Media/Updated endpoint', async () => {
    const old = await startFakePlayers({ jellyfin: { mediaUpdated: false } });
    try {
      const result = await notifyPlayer(old.jellyfin.config, request);
      expect(result.calls).toEqual([
        { method: 'POST', path: '/Library/Media/Updated', status: 404 },
        { method: 'POST', path: '/Library/Refresh', status: 204 },
      ]);
      expect(old.jellyfin.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        'POST /Library/Media/Updated 404',
        'POST /Library/Refresh 204',
      ]);
    } finally {
      await old.close();
    }
  });

  it('throws PlayerError 401 for a wrong key and does not fall back', async () => {
    const config = { ...players.jellyfin.config, auth: { apiKey: 'nope' } };
    const error = await notifyPlayer(config, request).catch((e: unknown) => e);
    expect(error).toMatchObject({ player: 'jellyfin', path: '/Library/Media/Updated', status: 401 });
    expect(players.jellyfin.requests).toHaveLength(1);
  });
});

describe('Plex', () => {
  it('asks for a partial scan of the mapped folder in the configured section, with the token', async () => {
    const config = { ...players.plex.config, auth: { token: 'plex-token', sectionId: 7 }, pathMap: [{ from: '/srv', to: '/media' }] };
    const result = await notifyPlayer(config, request);
    const expectedPath = `/library/sections/7/refresh?path=${encodeURIComponent('/media/movies/Heat (1995)')}`;
    expect(result).toEqual({
      player: 'plex',
      kind: 'plex',
      playerPath: '/media/movies/Heat (1995)',
      calls: [{ method: 'GET', path: expectedPath, status: 200 }],
    });
    const [sent] = players.plex.requests;
    expect(sent).toMatchObject({ method: 'GET', path: '/library/sections/7/refresh', query: { path: '/media/movies/Heat (1995)' } });
    expect(sent?.headers['x-plex-token']).toBe('plex-token');
  });

  it('throws PlayerError for a wrong token (401) and an unknown section (404)', async () => {
    await expect(notifyPlayer({ ...players.plex.config, auth: { token: 'bad', sectionId: '1' } }, request)).rejects.toMatchObject({
      status: 401,
    });
    const error = await notifyPlayer({ ...players.plex.config, auth: { token: 'plex-token', sectionId: '99' } }, request).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PlayerError);
    expect((error as PlayerError).path).toMatch(/^\/library\/sections\/99\/refresh\?path=/);
    expect((error as PlayerError).status).toBe(404);
  });
});

describe('any player', () => {
  it('throws PlayerError without status when nobody listens, naming player and path', async () => {
    const url = await deadUrl();
    for (const config of players.configs) {
      const error = await notifyPlayer({ ...config, url }, request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PlayerError);
      expect(error).toMatchObject({ player: config.name, status: null, code: 'PLAYER_ERROR' });
      expect((error as Error).message).toContain('network error');
    }
  });

  it('tolerates a trailing slash in the player URL and rethrows the abort reason', async () => {
    const config = { ...players.jellyfin.config, url: `${players.jellyfin.url}/` };
    await notifyPlayer(config, request);
    expect(players.jellyfin.requests[0]?.path).toBe('/Library/Media/Updated');
    const controller = new AbortController();
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(notifyPlayer(players.kodi.config, request, controller.signal)).rejects.toBe(reason);
  });
});
