/**
 * End to end: Sonarr's webhook events (payload shapes from Sonarr's source, as the
 * fixtures) drive the TV pipeline over real HTTP — webhook-received → scan-tv of exactly
 * the changed files → enrich-tvshow (local catalogue) → publish-tvshow (tvshow.nfo, the
 * episode NFO) → notify (fake players) — through Download, an import-complete Download,
 * Rename, EpisodeFileDelete and SeriesDelete.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { XMLParser } from 'fast-xml-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookRouter } from '../../src/adapters/express/webhooks.js';
import type { ScanTvResult } from '../../src/media/handlers/scanTv.js';
import { addVideo, episodeTitle, startTvPipeline, type TvPipeline } from '../media/tv/harness.js';
import { SECRET, fixture, post } from './support.js';

let pipeline: TvPipeline | null = null;
let server: Server | null = null;
afterEach(async () => {
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = null;
  await pipeline?.close();
  pipeline = null;
});

const parser = new XMLParser({ parseTagValue: false });

/** A fixture about Alpha Show (in the catalogue), as Sonarr (which sees the library as /tv) sends it. */
function alphaEvent(name: string, edit: (body: Record<string, unknown>) => void = () => undefined): Record<string, unknown> {
  const body = fixture('sonarr', name);
  Object.assign(body.series as Record<string, unknown>, { title: 'Alpha Show', path: '/tv/Alpha Show (2010)', year: 2010 });
  edit(body);
  return body;
}

describe('Sonarr events → scan of exactly what changed → episode NFO → players', () => {
  it('imports, renames, deletes an episode and deletes the series', async () => {
    pipeline = await startTvPipeline({ library: false });
    const p = pipeline;
    const app = express();
    app.use(
      '/api',
      createWebhookRouter(p.queue, {
        auth: { type: 'secret', secret: SECRET },
        libraries: [p.movies, { path: p.tv, kind: 'tvshows' }],
        downloaders: { sonarr: { pathMap: [{ from: '/tv', to: p.tv }] } },
      }),
    );
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/sonarr?secret=${SECRET}`;
    const show = path.join(p.tv, 'Alpha Show (2010)');
    // Another show's file that no event names: it must stay unscanned.
    const bystander = addVideo(path.join(p.tv, 'Beta Show (2015)', 'Season 01', 'Beta.Show.S01E01.mkv'));

    // 1. Download: Sonarr imported S01E01.
    const pilot = addVideo(path.join(show, 'Season 01', 'Alpha Show - S01E01 - Pilot.mkv'));
    const download = alphaEvent('Download', (b) => {
      (b.episodeFile as Record<string, unknown>).relativePath = 'Season 01/Alpha Show - S01E01 - Pilot.mkv';
    });
    const res = await post(url, download);
    expect(res.status).toBe(202);
    expect(res.body.paths).toEqual([pilot]);
    await p.idle();
    expect(p.failed).toEqual([]);
    expect(p.done('scan-tv').map((o) => o.job.payload)).toEqual([{ libraryPath: p.tv, paths: [pilot] }]);
    const nfoFile = pilot.replace(/\.mkv$/, '.nfo');
    const nfo = parser.parse(readFileSync(nfoFile, 'utf8')) as { episodedetails: Record<string, string> };
    expect(nfo.episodedetails).toMatchObject({ title: episodeTitle('Alpha Show', 1, 1), season: '1', episode: '1' });
    expect((parser.parse(readFileSync(path.join(show, 'tvshow.nfo'), 'utf8')) as { tvshow: { title: string } }).tvshow.title).toBe(
      'Alpha Show',
    );
    expect(existsSync(bystander.replace(/\.mkv$/, '.nfo'))).toBe(false);
    expect(p.media.tv.counts()).toEqual({ shows: 1, files: 1, episodes: 1 });
    // Kodi confirmed it: the episode is listed under its show with the NFO's numbers and title.
    const kodi = p.players.kodi.library;
    const alphaInKodi = () => kodi.listEpisodes(`${show}/`);
    expect(alphaInKodi().map((e) => `${path.relative(p.tv, e.file)} ${e.season}x${e.episode} ${e.title}`)).toEqual([
      `${path.relative(p.tv, pilot)} 1x1 ${episodeTitle('Alpha Show', 1, 1)}`,
    ]);
    expect(kodi.listShows(`${show}/`).map((s) => s.title)).toEqual(['Alpha Show']);
    expect(p.done('notify-kodi').at(-1)!.result).toMatchObject({ confirmation: 'verified', shows: { added: 1 }, episodes: { added: 1 } });

    // 2. A whole season pack imported at once (Sonarr 4's import-complete Download).
    mkdirSync(path.join(show, 'Season 01'), { recursive: true });
    const e2 = addVideo(path.join(show, 'Season 01', "Show One - S01E02 - Cat's in the Bag.mkv"));
    const e3 = addVideo(path.join(show, 'Season 01', "Show One - S01E03 - And the Bag's in the River.mkv"));
    expect((await post(url, alphaEvent('ImportComplete'))).status).toBe(202);
    await p.idle();
    expect(p.failed).toEqual([]);
    expect(p.done('scan-tv')[1]!.job.payload).toEqual({ libraryPath: p.tv, paths: [e2, e3] });
    for (const [file, episode] of [
      [e2, 2],
      [e3, 3],
    ] as const) {
      const parsed = parser.parse(readFileSync(file.replace(/\.mkv$/, '.nfo'), 'utf8')) as { episodedetails: Record<string, string> };
      expect(parsed.episodedetails).toMatchObject({ title: episodeTitle('Alpha Show', 1, episode), episode: String(episode) });
    }

    // 3. Rename: Sonarr renamed S01E01; the old name's NFO goes, the new one is written.
    const renamed = path.join(show, 'Season 01', 'Alpha.Show.S01E01.Pilot.1080p.mkv');
    renameSync(pilot, renamed);
    const rename = alphaEvent('Rename', (b) => {
      const [file] = b.renamedEpisodeFiles as Record<string, unknown>[];
      Object.assign(file!, {
        relativePath: 'Season 01/Alpha.Show.S01E01.Pilot.1080p.mkv',
        previousRelativePath: 'Season 01/Alpha Show - S01E01 - Pilot.mkv',
      });
    });
    expect((await post(url, rename)).status).toBe(202);
    await p.idle();
    expect(p.failed).toEqual([]);
    expect(existsSync(nfoFile)).toBe(false);
    const renamedNfo = parser.parse(readFileSync(renamed.replace(/\.mkv$/, '.nfo'), 'utf8')) as { episodedetails: Record<string, string> };
    expect(renamedNfo.episodedetails).toMatchObject({ title: episodeTitle('Alpha Show', 1, 1), episode: '1' });
    expect(p.media.tv.counts()).toEqual({ shows: 1, files: 3, episodes: 3 });
    // Kodi lists the episode under its new name only.
    expect(
      alphaInKodi()
        .map((e) => e.file)
        .sort(),
    ).toEqual([e2, e3, renamed].sort());

    // 4. EpisodeFileDelete: S01E02 deleted; its NFO goes, the show stays.
    rmSync(e2);
    const deleted = alphaEvent('EpisodeFileDelete', (b) => {
      (b.episodeFile as Record<string, unknown>).relativePath = "Season 01/Show One - S01E02 - Cat's in the Bag.mkv";
    });
    expect((await post(url, deleted)).status).toBe(202);
    await p.idle();
    expect(p.failed).toEqual([]);
    expect(existsSync(e2.replace(/\.mkv$/, '.nfo'))).toBe(false);
    expect(p.media.tv.counts()).toEqual({ shows: 1, files: 2, episodes: 2 });
    const afterDelete = p.done('scan-tv').at(-1)!.result as ScanTvResult;
    expect(afterDelete.files.removed).toBe(1);
    // Nothing was published by this event; the scan's removal alone told Kodi, which dropped it.
    expect(afterDelete.playerSyncJobIds).toHaveLength(3);
    expect(
      alphaInKodi()
        .map((e) => e.file)
        .sort(),
    ).toEqual([e3, renamed].sort());

    // 5. SeriesDelete with its files: the show is forgotten.
    rmSync(show, { recursive: true });
    expect((await post(url, alphaEvent('SeriesDelete'))).status).toBe(202);
    await p.idle();
    expect(p.failed).toEqual([]);
    expect(p.media.tv.counts()).toEqual({ shows: 0, files: 0, episodes: 0 });
    expect((p.done('scan-tv').at(-1)!.result as ScanTvResult).shows.removed).toBe(1);
    expect(kodi.listShows(`${show}/`)).toEqual([]);
    expect(alphaInKodi()).toEqual([]);
    expect(p.done('notify-kodi').at(-1)!.result).toMatchObject({ shows: { removed: 1 }, episodes: { removed: 2 } });
    // The same event again: nothing is stored there any more, so nothing is scanned.
    const again = alphaEvent('SeriesDelete', (b) => {
      b.instanceName = 'Sonarr (resent)';
    });
    expect((await post(url, again)).status).toBe(202);
    await p.idle();
    expect(p.done('webhook-received').at(-1)!.result).toMatchObject({ scanJobId: null });
    expect(p.done('scan-tv')).toHaveLength(5);
    expect(p.done('scan-movie')).toHaveLength(0);
  }, 60_000);
});
