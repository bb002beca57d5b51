/**
 * A rescan that adds an episode while the show's enrichment is running joins that job
 * (same dedupe key) after it read the episodes: the enrichment must notice and enqueue a
 * follow-up, so the new episode is still looked up and published with its metadata.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterEach, describe, expect, it } from 'vitest';
import type { EnrichTvShowResult } from '../../../src/media/handlers/enrichTvShow.js';
import type { MetadataProvider } from '../../../src/media/types.js';
import { addVideo, episodeTitle, startTvPipeline, type TvPipeline } from './harness.js';

let pipeline: TvPipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

describe('enrich-tvshow follow-up', () => {
  it('an episode added by a rescan during the enrichment is enriched and published by a follow-up', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let paused: () => void = () => undefined;
    const pausedOnce = new Promise<void>((resolve) => (paused = resolve));
    let held = false;
    const wrap = (inner: MetadataProvider): MetadataProvider => {
      const series = inner.series!;
      return {
        name: inner.name,
        search: (q, s) => inner.search(q, s),
        details: (id, o, s) => inner.details(id, o, s),
        artwork: (id, s) => inner.artwork(id, s),
        series: {
          searchSeries: (q, s) => series.searchSeries(q, s),
          seriesDetails: (id, o, s) => series.seriesDetails(id, o, s),
          seriesArtwork: (id, o, s) => series.seriesArtwork(id, o, s),
          // Beta's first season read waits until the test lets it go.
          async seasonDetails(id, n, o, s) {
            if (id === '1002' && !held) {
              held = true;
              paused();
              await gate;
            }
            return series.seasonDetails(id, n, o, s);
          },
        },
      };
    };
    pipeline = await startTvPipeline({ wrapProvider: wrap });
    const p = pipeline;
    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.tv } });
    await pausedOnce;
    const added = addVideo(path.join(p.tv, 'Beta Show (2015)', 'Season 02', 'Beta.Show.S02E06.1080p.WEB.mkv'));
    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.tv, paths: [added] } });
    while (p.done('scan-tv').length < 2) await new Promise((r) => setTimeout(r, 20));
    // The rescan's enrichment joined the running one: no second Beta enrichment waits.
    expect((p.done('scan-tv')[1]!.result as { enqueued: number }).enqueued).toBe(1);
    release();
    await p.idle();
    expect(p.failed).toEqual([]);

    const beta = p.done('enrich-tvshow').filter((o) => (o.result as EnrichTvShowResult).providerId === '1002');
    expect(beta).toHaveLength(2);
    expect((beta[0]!.result as EnrichTvShowResult).followUpJobId).toBe(beta[1]!.job.id);
    expect((beta[1]!.result as EnrichTvShowResult).seasonsFetched).toEqual([2]);
    const nfo = new XMLParser({ parseTagValue: false }).parse(readFileSync(added.replace(/\.mkv$/, '.nfo'), 'utf8')) as {
      episodedetails: Record<string, string>;
    };
    expect(nfo.episodedetails).toMatchObject({ title: episodeTitle('Beta Show', 2, 6), season: '2', episode: '6' });
  }, 60_000);
});
