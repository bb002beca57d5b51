/**
 * The enrichment and publish settings as they apply to series (artwork counts,
 * minResolution, auto-selection, language, publish.assets/actors), daily shows matched by
 * air date, and episodes directly in the show folder.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterEach, describe, expect, it } from 'vitest';
import type { EnrichTvShowResult } from '../../../src/media/handlers/enrichTvShow.js';
import { addVideo, listFiles, startTvPipeline, type TvPipeline } from './harness.js';

let pipeline: TvPipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

const parser = new XMLParser({ parseTagValue: false });
const alpha = 'Alpha Show (2010)';

describe('enrichment and publish settings for series', () => {
  it('minResolution drops small season posters and stills (clear logos are exempt); maxEpisodeThumb 0 keeps no still', async () => {
    pipeline = await startTvPipeline();
    const p = pipeline;
    await p.phases.set('enrichment.minResolution', 1080);
    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.tv } });
    await p.idle();
    expect(p.failed).toEqual([]);
    const files = listFiles(path.join(p.tv, alpha));
    // Posters (1500 high), fanart (1080) and the 310-high logo stay; season posters (1000) and stills (720) go.
    expect(files.filter((f) => !f.includes('/'))).toEqual([
      'clearlogo.png',
      'fanart.jpg',
      'poster.jpg',
      'season-all-poster.jpg',
      'tvshow.nfo',
    ]);
    expect(files.filter((f) => f.endsWith('-thumb.jpg'))).toEqual([]);
    const show = p.media.tv.listShows().find((s) => s.title === 'Alpha Show')!;
    expect(p.media.tv.assets(show.id, 'season')).toEqual([]);

    await p.phases.set('enrichment.minResolution', 0);
    await p.phases.set('enrichment.maxEpisodeThumb', 0);
    await p.queue.addJob({ type: 'enrich-tvshow', payload: { entityType: 'tvshow', entityId: show.id, manual: true }, manual: true });
    await p.idle();
    expect(p.media.tv.assets(show.id, 'episode')).toEqual([]);
    expect(
      p.media.tv
        .assets(show.id, 'season')
        .filter((a) => a.selected)
        .map((a) => a.season),
    ).toEqual([0, 1, 2]);
    expect(existsSync(path.join(p.tv, alpha, 'season01-poster.jpg'))).toBe(true);
    expect(listFiles(path.join(p.tv, alpha)).filter((f) => f.endsWith('-thumb.jpg'))).toEqual([]);
  });

  it('with auto-selection off nothing is selected or written but the candidates are kept; publish.assets and actors off write only NFOs', async () => {
    pipeline = await startTvPipeline();
    const p = pipeline;
    await p.phases.set('enrichment.autoSelectAssets', false);
    await p.phases.set('publish.actors', false);
    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.tv } });
    await p.idle();
    expect(p.failed).toEqual([]);
    const show = p.media.tv.listShows().find((s) => s.title === 'Alpha Show')!;
    const candidates = p.media.tv.assets(show.id);
    expect(candidates.length).toBeGreaterThan(0);
    expect(candidates.filter((a) => a.selected)).toEqual([]);
    expect(listFiles(p.tv).filter((f) => !f.endsWith('.mkv') && !f.endsWith('.nfo'))).toEqual([]);

    await p.phases.set('enrichment.autoSelectAssets', true);
    await p.phases.set('publish.assets', false);
    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.tv, paths: [path.join(p.tv, alpha)] }, manual: true });
    await p.idle();
    expect(p.media.tv.selectedAssets(show.id).length).toBeGreaterThan(0);
    expect(listFiles(p.tv).filter((f) => !f.endsWith('.mkv') && !f.endsWith('.nfo'))).toEqual([]);
  });

  it('language: the catalogue texts of the configured language', async () => {
    pipeline = await startTvPipeline();
    const p = pipeline;
    const catalogue = JSON.parse(readFileSync(p.cataloguePath, 'utf8')) as {
      series: {
        id: string;
        translations?: unknown;
        seasons: { number: number; translations?: unknown; episodes: { number: number; translations?: unknown }[] }[];
      }[];
    };
    const show = catalogue.series.find((s) => s.id === '1002')!;
    show.translations = { de: { title: 'Beta-Serie', plot: 'Eine Serie.' } };
    const season = show.seasons.find((s) => s.number === 1)!;
    season.translations = { de: { name: 'Staffel 1' } };
    season.episodes.find((e) => e.number === 1)!.translations = { de: { title: 'Der Anfang' } };
    writeFileSync(p.cataloguePath, JSON.stringify(catalogue));
    await p.phases.set('enrichment.language', 'de');
    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.tv } });
    await p.idle();
    expect(p.failed).toEqual([]);
    const beta = path.join(p.tv, 'Beta Show (2015)');
    const nfo = new XMLParser({ ignoreAttributes: false, parseTagValue: false }).parse(
      readFileSync(path.join(beta, 'tvshow.nfo'), 'utf8'),
    ) as {
      tvshow: { title: string; plot: string; namedseason: { '#text': string }[] };
    };
    expect(nfo.tvshow).toMatchObject({ title: 'Beta-Serie', plot: 'Eine Serie.' });
    expect(nfo.tvshow.namedseason.map((s) => s['#text'])).toEqual(['Staffel 1', 'Season 2']);
    const episode = parser.parse(readFileSync(path.join(beta, 'Season 01', 'Beta.Show.S01E01.1080p.WEB.nfo'), 'utf8')) as {
      episodedetails: { title: string };
    };
    expect(episode.episodedetails.title).toBe('Der Anfang');
  });
});

describe('daily shows and episodes in the show folder', () => {
  it('matches dated files to the provider by air date and writes their season and episode numbers', async () => {
    pipeline = await startTvPipeline({ library: false });
    const p = pipeline;
    const catalogue = JSON.parse(readFileSync(p.cataloguePath, 'utf8')) as { series: unknown[] };
    catalogue.series.push({
      id: 'daily',
      title: 'Late Talk',
      year: 2023,
      seasons: [
        { number: 2023, premiered: '2023-01-09', episodes: [{ number: 1, title: 'January guest', aired: '2023-01-09' }] },
        { number: 2024, premiered: '2024-01-08', episodes: [{ number: 17, title: 'The big interview', aired: '2024-01-31' }] },
      ],
    });
    writeFileSync(p.cataloguePath, JSON.stringify(catalogue));
    // Directly in the show folder, as many daily-show libraries are.
    addVideo(path.join(p.tv, 'Late Talk (2023)', 'Late.Talk.2024.01.31.Guest.720p.mkv'));
    addVideo(path.join(p.tv, 'Late Talk (2023)', 'Late.Talk.2023.05.05.Unknown.720p.mkv'));
    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.tv } });
    await p.idle();
    expect(p.failed).toEqual([]);
    const enrich = p.done('enrich-tvshow')[0]!.result as EnrichTvShowResult;
    expect(enrich).toMatchObject({ providerId: 'daily', seasonsFetched: [2023, 2024], episodesMatched: 1, episodesUnmatched: 1 });
    const matched = parser.parse(readFileSync(path.join(p.tv, 'Late Talk (2023)', 'Late.Talk.2024.01.31.Guest.720p.nfo'), 'utf8')) as {
      episodedetails: Record<string, string>;
    };
    expect(matched.episodedetails).toMatchObject({ title: 'The big interview', season: '2024', episode: '17', aired: '2024-01-31' });
    const unmatched = parser.parse(readFileSync(path.join(p.tv, 'Late Talk (2023)', 'Late.Talk.2023.05.05.Unknown.720p.nfo'), 'utf8')) as {
      episodedetails: Record<string, string>;
    };
    expect(unmatched.episodedetails).toEqual({ title: '2023-05-05', aired: '2023-05-05' });
    expect(p.media.tv.seasons(p.media.tv.listShows()[0]!.id).map((s) => s.seasonNumber)).toEqual([2024]);
  });
});
