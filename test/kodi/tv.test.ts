/**
 * TV series against a real Kodi: a library of 3 shows × 2 seasons × 5 episodes (one
 * two-episode file, one special) published by the TV pipeline and synced into a fresh
 * Kodi with a `tvshows` source; then an episode title and a show's plot changed at the
 * provider, an episode and a show deleted, a second library Kodi sees under another path,
 * and a Sonarr `Download` — each judged by what Kodi lists through the test's own client. One Kodi and one pipeline for the file; each
 * test starts from the state the previous one left, as a user's library would.
 *
 * The stronger check everywhere: when the sync job completed, Kodi already listed it.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createWebhookRouter } from '../../src/adapters/express/webhooks.js';
import { isEmptyPlan } from '../../src/media/db/PlayerSyncRepository.js';
import type { NotifyPlayerResult } from '../../src/media/handlers/notifyPlayer.js';
import { episodeTitle, STANDARD_SHOWS, writeTvCatalogue } from '../media/tv/harness.js';
import { ensureMediaFixtures } from '../support/kodi/fixtures.js';
import { startKodi, type KodiInstance } from '../support/kodi/kodi.js';
import { kodiPlayer, startMediaPipeline, type MediaPipeline } from '../support/kodi/mediaPipeline.js';
import { kodiArtSource, kodiEpisodes, kodiSeasons, kodiTvShows, type KodiEpisode } from '../support/kodi/rpc.js';
import { makeTempDir } from '../support/tmp.js';
import { fixture, post, SECRET } from '../webhooks/support.js';

const fixtures = ensureMediaFixtures(inject('kodiFixtures'));
const temp = makeTempDir('phaseq-kodi-tv-');
const tv = path.join(temp.dir, 'tv');
/** A second TV library, which Kodi sees through `view` (a symlinked folder standing in for a share). */
const shared = path.join(temp.dir, 'shared-tv');
const view = path.join(temp.dir, 'share-view');
let catalogueFile: string;
let kodi: KodiInstance;
let pipeline: MediaPipeline;
const figures: string[] = [];
const parser = new XMLParser({ parseTagValue: false });

/** Copies the fixture clip to `file` (a real video Kodi can probe). */
function addClip(file: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  copyFileSync(fixtures.clip, file);
  return file;
}

/** The `<episodedetails>` blocks of an episode NFO (one per episode of the file). */
function episodeBlocks(nfo: string): Record<string, string>[] {
  const text = readFileSync(nfo, 'utf8');
  const starts: number[] = [];
  for (let at = text.indexOf('<episodedetails'); at !== -1; at = text.indexOf('<episodedetails', at + 1)) starts.push(at);
  return starts.map(
    (start, i) =>
      (parser.parse(text.slice(start, starts[i + 1] ?? text.length)) as { episodedetails: Record<string, string> }).episodedetails,
  );
}

/** Every episode video of the library with what its NFO says: `file SxE title | plot`, sorted. */
function episodesAsTheNfosSay(videos: readonly string[]): string[] {
  return videos
    .flatMap((video) =>
      episodeBlocks(video.replace(/\.mp4$/, '.nfo')).map((e) => `${video} ${e['season']}x${e['episode']} ${e['title']} | ${e['plot']}`),
    )
    .sort();
}

function asKodiLists(episodes: readonly KodiEpisode[]): string[] {
  return episodes.map((e) => `${e.file} ${e.season}x${e.episode} ${e.title} | ${e.plot}`).sort();
}

/** The library's videos now on disk, by the standard shows' spec (`.mp4` clips). */
let videos: string[] = [];

/**
 * Runs one job, waits until the pipeline is idle and returns the seconds from the job to
 * the last confirmed Kodi sync, with the sync results of that run.
 */
async function run(
  job: Parameters<MediaPipeline['queue']['addJob']>[0],
): Promise<{ seconds: number; syncs: NotifyPlayerResult[]; attempts: number }> {
  const from = pipeline.completed.length;
  const retriesBefore = pipeline.retries.length;
  const attemptsBefore = pipeline.started.filter((s) => s.job.type === 'notify-kodi').length;
  const started = Date.now();
  await pipeline.queue.addJob(job);
  await pipeline.idle();
  expect(pipeline.failed.map((f) => `${f.job.type}: ${f.error?.message}`)).toEqual([]);
  // Kodi confirmed everything published (counted per sync in the results, which a retried
  // attempt can split: what it confirmed before failing is recorded, not reported).
  expect(isEmptyPlan(pipeline.media.syncs.planFor('kodi'))).toBe(true);
  const syncs = pipeline.completed.slice(from).filter((o) => o.job.type === 'notify-kodi');
  const confirmedAt = Math.max(...syncs.map((o) => o.at));
  // Attempts that failed and were retried (their reasons go into the figures).
  for (const retry of pipeline.retries.slice(retriesBefore))
    figures.push(`    retried ${retry.job.type}: ${retry.error?.message ?? ''}`.slice(0, 400));
  return {
    seconds: (confirmedAt - started) / 1000,
    syncs: syncs.map((o) => o.result as NotifyPlayerResult),
    attempts: pipeline.started.filter((s) => s.job.type === 'notify-kodi').length - attemptsBefore,
  };
}

beforeAll(async () => {
  for (const show of STANDARD_SHOWS) {
    for (const [season, files] of Object.entries(show.files)) {
      for (const file of files) videos.push(addClip(path.join(tv, show.folder, season, file.replace(/\.mkv$/, '.mp4'))));
    }
  }
  catalogueFile = writeTvCatalogue(path.join(temp.dir, 'catalogue'));
  mkdirSync(shared, { recursive: true });
  symlinkSync(shared, view);
  kodi = await startKodi({
    sources: [
      { path: tv, content: 'tvshows' },
      { path: view, content: 'tvshows' },
    ],
  });
  pipeline = await startMediaPipeline({
    dir: temp.dir,
    catalogueFile,
    players: [kodiPlayer(kodi, [{ from: shared, to: view }])],
    tvLibraries: [tv, shared],
  });
});

afterAll(async () => {
  console.log(`[kodi figures] tv:\n${figures.join('\n')}`);
  await pipeline?.close();
  await kodi?.close();
  temp.cleanup();
});

describe('TV series in a real Kodi', () => {
  it('a fresh Kodi with a tvshows source ends holding every show and episode as the NFOs say, season posters included', async () => {
    const { seconds, syncs, attempts } = await run({ type: 'scan-tv', payload: { libraryPath: tv, manual: true }, manual: true });
    expect(syncs.every((r) => r.missing.length === 0 && r.confirmation !== 'accepted')).toBe(true);

    // Judged by what Kodi lists: 3 shows with tvshow.nfo's titles and plots.
    const shows = await kodiTvShows(kodi);
    expect(shows.map((s) => s.file).sort()).toEqual(STANDARD_SHOWS.map((s) => `${path.join(tv, s.folder)}/`).sort());
    for (const show of shows) {
      const nfo = (parser.parse(readFileSync(path.join(show.file, 'tvshow.nfo'), 'utf8')) as { tvshow: Record<string, string> }).tvshow;
      expect({ title: show.title, plot: show.plot }).toEqual({ title: nfo['title'], plot: nfo['plot'] });
      expect(kodiArtSource(show.art['poster'] ?? '')).toBe(path.join(show.file, 'poster.jpg'));
    }
    // Every episode, with its NFO's numbers, title and plot: 31 in 30 files.
    const listed = asKodiLists(await kodiEpisodes(kodi));
    expect(listed).toHaveLength(31);
    expect(listed).toEqual(episodesAsTheNfosSay(videos));
    const alpha = path.join(tv, 'Alpha Show (2010)');
    expect(listed.filter((e) => e.includes('S01E04E05')).map((e) => e.split(' | ')[0]!.split(' ').slice(-4).join(' '))).toEqual([
      `1x4 ${episodeTitle('Alpha Show', 1, 4)}`,
      `1x5 ${episodeTitle('Alpha Show', 1, 5)}`,
    ]);
    expect(listed.some((e) => e.startsWith(path.join(alpha, 'Specials')) && e.includes(` 0x1 ${episodeTitle('Alpha Show', 0, 1)}`))).toBe(
      true,
    );
    // Season posters: each season's poster is the file publish wrote for it.
    for (const show of shows) {
      const seasons = await kodiSeasons(kodi, show.tvshowid);
      const expected = show.file === `${alpha}/` ? [0, 1, 2] : [1, 2];
      expect(seasons.map((s) => s.season).sort()).toEqual(expected);
      for (const season of seasons) {
        const poster = path.join(show.file, season.season === 0 ? 'season-specials-poster.jpg' : `season0${season.season}-poster.jpg`);
        expect(existsSync(poster)).toBe(true);
        expect(kodiArtSource(season.art['poster'] ?? ''), `${show.title} season ${season.season}`).toBe(poster);
      }
    }
    const requests = syncs.reduce((n, r) => n + r.requests, 0);
    figures.push(
      `  fresh library: 3/3 shows, 31/31 episodes (30 files) in Kodi; ${seconds.toFixed(1)} s from scan to confirmed sync; ` +
        `${syncs.length} sync job(s), ${attempts} attempt(s), ${requests} JSON-RPC requests; Kodi start ${kodi.timings.startMs} ms`,
    );
  });

  it('an episode title and a show plot changed at the provider are shown once the sync completes (a single and a two-episode file)', async () => {
    const catalogue = JSON.parse(readFileSync(catalogueFile, 'utf8')) as {
      series: { id: string; plot: string; seasons: { number: number; episodes: { number: number; title: string }[] }[] }[];
    };
    const episode = (showId: string, season: number, number: number) =>
      catalogue.series
        .find((s) => s.id === showId)!
        .seasons.find((s) => s.number === season)!
        .episodes.find((e) => e.number === number)!;
    episode('1002', 1, 3).title = 'Beta, Retitled & <Better>';
    episode('1001', 1, 5).title = 'Alpha Five, Retitled';
    catalogue.series.find((s) => s.id === '1003')!.plot = 'Gamma has a new plot.';
    writeFileSync(catalogueFile, JSON.stringify(catalogue));
    const before = await kodiEpisodes(kodi);

    // A manual scan of the three show folders: they are enriched and published again.
    const folders = ['Alpha Show (2010)', 'Beta Show (2015)', 'Gamma Show (2020)'].map((f) => path.join(tv, f));
    const { seconds, syncs, attempts } = await run({
      type: 'scan-tv',
      payload: { libraryPath: tv, paths: folders, manual: true },
      manual: true,
    });

    const after = await kodiEpisodes(kodi);
    const title = (file: string, number: number) => after.find((e) => e.file.endsWith(file) && e.episode === number)?.title;
    expect(title('Beta.Show.S01E03.1080p.WEB.mp4', 3)).toBe('Beta, Retitled & <Better>');
    expect(title('Alpha.Show.S01E04E05.1080p.WEB.mp4', 5)).toBe('Alpha Five, Retitled');
    expect(title('Alpha.Show.S01E04E05.1080p.WEB.mp4', 4)).toBe(episodeTitle('Alpha Show', 1, 4));
    // Nothing doubled, nothing else touched.
    expect(after).toHaveLength(31);
    expect(asKodiLists(after)).toEqual(episodesAsTheNfosSay(videos));
    // The other episodes were not read again (a refresh gives an episode a new id).
    const refreshedFiles = ['Beta.Show.S01E03.1080p.WEB.mp4', 'Alpha.Show.S01E04E05.1080p.WEB.mp4'];
    const untouched = before.filter((e) => !refreshedFiles.includes(path.basename(e.file)));
    expect(untouched.filter((e) => !after.some((a) => a.episodeid === e.episodeid))).toEqual([]);
    const gamma = (await kodiTvShows(kodi)).find((s) => s.title === 'Gamma Show');
    expect(gamma?.plot).toBe('Gamma has a new plot.');
    figures.push(
      `  2 episode titles (one in a two-episode file) and 1 show plot changed: shown ${seconds.toFixed(1)} s after the scan; ` +
        `${syncs.length} sync job(s), ${attempts} attempt(s)`,
    );
  });

  it('an episode deleted from disk is gone from Kodi, and so is a deleted show with its episodes', async () => {
    const removed = videos.find((v) => v.endsWith('Beta.Show.S02E05.1080p.WEB.mp4'))!;
    rmSync(removed);
    videos = videos.filter((v) => v !== removed);
    const episode = await run({ type: 'scan-tv', payload: { libraryPath: tv } });
    const afterEpisode = await kodiEpisodes(kodi);
    expect(afterEpisode.map((e) => e.file)).not.toContain(removed);
    expect(afterEpisode).toHaveLength(30);

    const gamma = path.join(tv, 'Gamma Show (2020)');
    rmSync(gamma, { recursive: true });
    videos = videos.filter((v) => !v.startsWith(gamma));
    const show = await run({ type: 'scan-tv', payload: { libraryPath: tv } });
    expect((await kodiTvShows(kodi)).map((s) => s.title).sort()).toEqual(['Alpha Show', 'Beta Show']);
    const left = await kodiEpisodes(kodi);
    expect(left.filter((e) => e.file.startsWith(gamma))).toEqual([]);
    expect(asKodiLists(left)).toEqual(episodesAsTheNfosSay(videos));
    figures.push(
      `  1 episode deleted: gone ${episode.seconds.toFixed(1)} s after the scan; a show of 10 episodes deleted: gone ${show.seconds.toFixed(1)} s after the scan`,
    );
  });

  it("a TV library Kodi sees under another path (pathMap) is looked up, scanned and cleaned up in Kodi's paths", async () => {
    const show = path.join(shared, 'Delta Show (2022)');
    const files = [1, 2].map((e) => addClip(path.join(show, 'Season 01', `Delta.Show.S01E0${e}.mp4`)));
    const added = await run({ type: 'scan-tv', payload: { libraryPath: shared, manual: true }, manual: true });
    const inView = (file: string) => path.join(view, path.relative(shared, file));
    const delta = (await kodiTvShows(kodi)).find((s) => s.file === `${path.join(view, 'Delta Show (2022)')}/`);
    expect(delta?.title).toBe('Delta Show');
    expect((await kodiEpisodes(kodi, delta!.tvshowid)).map((e) => [e.file, e.season, e.episode])).toEqual([
      [inView(files[0]!), 1, 1],
      [inView(files[1]!), 1, 2],
    ]);
    rmSync(files[1]!);
    const removed = await run({ type: 'scan-tv', payload: { libraryPath: shared } });
    expect((await kodiEpisodes(kodi, delta!.tvshowid)).map((e) => e.file)).toEqual([inView(files[0]!)]);
    figures.push(
      `  a library under a mapped path: 2 episodes listed ${added.seconds.toFixed(1)} s after the scan, 1 deleted gone after ${removed.seconds.toFixed(1)} s`,
    );
  });

  it("a Sonarr Download (the payload Sonarr sends) ends with the episode's NFO written and Kodi listing it", async () => {
    const app = express();
    app.use(
      '/api',
      createWebhookRouter(pipeline.queue, {
        auth: { type: 'secret', secret: SECRET },
        libraries: [{ path: tv, kind: 'tvshows' }],
        downloaders: { sonarr: { pathMap: [{ from: '/tv', to: tv }] } },
      }),
    );
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      // Sonarr imported Beta Show S02E06 (the catalogue knows it) as /tv/Beta Show (2015)/Season 02/….
      const relativePath = 'Season 02/Beta Show - S02E06 - Six.mp4';
      const video = addClip(path.join(tv, 'Beta Show (2015)', relativePath));
      const body = fixture('sonarr', 'Download');
      Object.assign(body['series'] as Record<string, unknown>, {
        title: 'Beta Show',
        path: '/tv/Beta Show (2015)',
        year: 2015,
        tvdbId: 91002,
        tmdbId: 1002,
      });
      Object.assign((body['episodes'] as Record<string, unknown>[])[0]!, { seasonNumber: 2, episodeNumber: 6, title: 'Six' });
      Object.assign(body['episodeFile'] as Record<string, unknown>, {
        relativePath,
        path: `/downloads/complete/${path.basename(relativePath)}`,
      });
      const started = Date.now();
      const from = pipeline.completed.length;
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/sonarr?secret=${SECRET}`;
      const res = await post(url, body);
      expect(res.status).toBe(202);
      expect(res.body['paths']).toEqual([video]);
      await pipeline.idle();
      expect(pipeline.failed.map((f) => `${f.job.type}: ${f.error?.message}`)).toEqual([]);
      const done = pipeline.completed.slice(from);
      expect(done.filter((o) => o.job.type === 'scan-tv').map((o) => o.job.payload)).toEqual([{ libraryPath: tv, paths: [video] }]);

      const [block] = episodeBlocks(video.replace(/\.mp4$/, '.nfo'));
      expect(block).toMatchObject({ title: episodeTitle('Beta Show', 2, 6), season: '2', episode: '6' });
      const syncs = done.filter((o) => o.job.type === 'notify-kodi');
      expect(isEmptyPlan(pipeline.media.syncs.planFor('kodi'))).toBe(true);
      const inKodi = (await kodiEpisodes(kodi)).find((e) => e.file === video);
      expect(inKodi).toMatchObject({ season: 2, episode: 6, title: episodeTitle('Beta Show', 2, 6) });
      const confirmedAt = Math.max(...syncs.map((o) => o.at));
      figures.push(`  Sonarr Download of 1 episode: listed by Kodi ${((confirmedAt - started) / 1000).toFixed(1)} s after the webhook`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
