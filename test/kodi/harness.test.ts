/**
 * The harness itself, against the real Kodi: a fresh profile whose sources (a movies one
 * and a tvshows one) Kodi scans from NFOs, the network namespace nothing leaves, and a
 * Kodi that can be stopped and started again on the same profile. Prints the start, idle-CPU and stop figures quoted in
 * docs/phases/PLAYER_SYNC.md.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureMediaFixtures } from '../support/kodi/fixtures.js';
import { startKodi, type KodiInstance } from '../support/kodi/kodi.js';
import { kodiArtSource, kodiEpisodes, kodiIsScanning, kodiMovies, kodiTvShows } from '../support/kodi/rpc.js';
import { makeTempDir, sleep, waitFor } from '../support/tmp.js';

const fixtures = ensureMediaFixtures(inject('kodiFixtures'));
const temp = makeTempDir('phaseq-kodi-harness-');
const library = path.join(temp.dir, 'movies');
const shows = path.join(temp.dir, 'tv');
let kodi: KodiInstance;

function addMovie(title: string, plot: string): string {
  const folder = path.join(library, `${title} (2001)`);
  mkdirSync(folder, { recursive: true });
  const video = path.join(folder, `${title}.mp4`);
  copyFileSync(fixtures.clip, video);
  copyFileSync(fixtures.poster, path.join(folder, `${title}-poster.jpg`));
  writeFileSync(
    path.join(folder, `${title}.nfo`),
    `<?xml version="1.0" encoding="UTF-8"?>\n<movie><title>${title}</title><plot>${plot}</plot><year>2001</year></movie>\n`,
  );
  return video;
}

/** CPU seconds (user + system) the process used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

beforeAll(async () => {
  mkdirSync(library, { recursive: true });
  mkdirSync(shows, { recursive: true });
  kodi = await startKodi({
    sources: [
      { path: library, content: 'movies' },
      { path: shows, content: 'tvshows' },
    ],
  });
});

afterAll(async () => {
  const stopMs = await kodi?.close();
  console.log(`[kodi figures] stop: ${stopMs} ms`);
  temp.cleanup();
});

describe('real Kodi harness', () => {
  it('starts a fresh Kodi whose movie source is scanned from NFOs and local artwork', async () => {
    console.log(`[kodi figures] start to first JSON-RPC answer: ${kodi.timings.startMs} ms`);
    expect(await kodiMovies(kodi)).toEqual([]);
    const alpha = addMovie('Alpha', 'Plot of Alpha.');
    const beta = addMovie('Beta', 'Plot of Beta.');
    await kodi.rpc('VideoLibrary.Scan', { directory: `${library}/`, showdialogs: false });
    await waitFor(async () => (await kodiMovies(kodi)).length === 2 && !(await kodiIsScanning(kodi)), 60_000, 'the scan');
    const movies = await kodiMovies(kodi);
    expect(movies.map((m) => [m.file, m.title, m.plot])).toEqual([
      [alpha, 'Alpha', 'Plot of Alpha.'],
      [beta, 'Beta', 'Plot of Beta.'],
    ]);
    expect(kodiArtSource(movies[0]?.art['poster'] ?? '')).toBe(path.join(path.dirname(alpha), 'Alpha-poster.jpg'));
  });

  it('scans a tvshows source from tvshow.nfo and the episode NFOs (the source kind is a parameter)', async () => {
    const show = path.join(shows, 'Test Show (2020)');
    mkdirSync(path.join(show, 'Season 01'), { recursive: true });
    writeFileSync(path.join(show, 'tvshow.nfo'), '<tvshow><title>Test Show</title><plot>Show plot.</plot><year>2020</year></tvshow>\n');
    for (const n of [1, 2]) {
      const episode = path.join(show, 'Season 01', `Test Show S01E0${n}.mp4`);
      copyFileSync(fixtures.clip, episode);
      writeFileSync(
        episode.replace(/\.mp4$/, '.nfo'),
        `<episodedetails><title>Episode ${n}</title><season>1</season><episode>${n}</episode><plot>Plot ${n}.</plot></episodedetails>\n`,
      );
    }
    await kodi.rpc('VideoLibrary.Scan', { directory: `${shows}/`, showdialogs: false });
    await waitFor(async () => (await kodiEpisodes(kodi)).length === 2 && !(await kodiIsScanning(kodi)), 60_000, 'the TV scan');
    const [tvshow] = await kodiTvShows(kodi);
    expect({ title: tvshow?.title, plot: tvshow?.plot, file: tvshow?.file }).toEqual({
      title: 'Test Show',
      plot: 'Show plot.',
      file: `${show}/`,
    });
    const episodes = await kodiEpisodes(kodi, tvshow?.tvshowid);
    expect(episodes.map((e) => [e.season, e.episode, e.title, e.plot])).toEqual([
      [1, 1, 'Episode 1', 'Plot 1.'],
      [1, 2, 'Episode 2', 'Plot 2.'],
    ]);
    // The movie source is untouched by a TV scan.
    expect(await kodiMovies(kodi)).toHaveLength(2);
  });

  it("runs with the profile's settings (the ones that let it idle quietly), and reports its idle CPU", async () => {
    const value = async (setting: string) => (await kodi.rpc<{ value: unknown }>('Settings.GetSettingValue', { setting })).value;
    expect(await value('services.webserver')).toBe(true);
    expect(await value('services.webserverusername')).toBe(kodi.username);
    // The audio sink may sleep: kept awake on the null device it costs ~20 % of a core.
    expect(await value('audiooutput.streamsilence')).toBe(0);
    const pid = kodi.kodiPid();
    const before = cpuSeconds(pid);
    await sleep(5000);
    // A figure for the docs, not a threshold.
    console.log(`[kodi figures] idle CPU: ${(((cpuSeconds(pid) - before) / 5) * 100).toFixed(1)} % of one core`);
  });

  it('runs in a network namespace nothing leaves: no route out, not even to the host loopback', async () => {
    const outside = await kodi.probe('192.0.2.1', 80);
    expect(outside.connected).toBe(false);
    expect(outside.error).toBe('ENETUNREACH');
    const hostBridge = new URL(kodi.url);
    const loopback = await kodi.probe('127.0.0.1', Number(hostBridge.port));
    expect(loopback.connected).toBe(false);
  });

  it('stops and starts again on the same profile, keeping its library', async () => {
    const stopMs = await kodi.stopKodi();
    await expect(kodiMovies(kodi)).rejects.toThrow();
    const startMs = await kodi.startKodi();
    console.log(`[kodi figures] stop (SIGTERM to exit): ${stopMs} ms, start again: ${startMs} ms`);
    expect((await kodiMovies(kodi)).map((m) => m.title)).toEqual(['Alpha', 'Beta']);
  });
});
