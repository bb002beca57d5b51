/**
 * The pipeline as a TMDB user meets it, judged by the folder it leaves: a German library
 * of real folder names gets German texts (English where TMDB has no German), FSK ratings,
 * textless fanart, the collection as <set> and a trailer Kodi can play; a near miss gets
 * what the scan knew and nobody else's poster; an id TMDB does not know falls back to the
 * title; a refused key fails each enrichment at once.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { imageSize } from '../support/images.js';
import type { ProviderServerMovie } from '../support/providerServer.js';
import { TMDB_MOVIES } from '../support/tmdbCatalogue.js';
import { startPipeline, type Pipeline } from './harness.js';

let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false });

/** The NFO and the files of the one movie in `folder`. */
function folderOf(p: Pipeline, folder: string): { nfo: Record<string, any>; files: string[]; dir: string } {
  const dir = path.join(p.library, folder);
  const files = readdirSync(dir).sort();
  const nfoFile = files.find((f) => f.endsWith('.nfo'));
  const nfo = nfoFile ? (parser.parse(readFileSync(path.join(dir, nfoFile), 'utf8')) as { movie: Record<string, any> }).movie : {};
  return { nfo, files, dir };
}

/** The catalogue's Matrix, with what a German user's library needs from TMDB. */
const matrix: ProviderServerMovie = {
  ...TMDB_MOVIES.find((m) => m.id === 603)!,
  plot: 'Thomas Anderson learns the truth about the Matrix.',
  tagline: 'Welcome to the Real World.',
  translations: { 'de-DE': { title: 'Matrix', plot: 'Der Hacker Neo erfährt die Wahrheit.' } },
  releases: [
    { country: 'US', type: 3, date: '1999-03-31', certification: 'R' },
    { country: 'DE', type: 3, date: '1999-06-17', certification: '16' },
  ],
  collection: {
    id: 2344,
    name: 'The Matrix Collection',
    overview: 'The Matrix films.',
    translations: { de: { name: 'Matrix Filmreihe', overview: 'Die Matrix-Filme.' } },
  },
  posters: [
    { width: 1000, height: 1500, language: 'en' },
    { width: 1000, height: 1500, language: 'de' },
  ],
  backdrops: [
    { width: 3840, height: 2160, language: 'de', votes: 9 },
    { width: 1920, height: 1080, language: 'xx', votes: 5 },
  ],
  trailers: [
    { key: 'englishTrailer', language: 'en', size: 1080 },
    { key: 'deutscherTrailer', language: 'de', size: 480 },
  ],
};

describe('TMDB enrichment as a user meets it', () => {
  it('German settings: German texts with English fallback, FSK rating, textless fanart, <set>, a playable trailer', async () => {
    const heat = { ...TMDB_MOVIES.find((m) => m.id === 949)!, plot: 'A thief and a detective.', posters: [{ width: 1000, height: 1500 }] };
    pipeline = await startPipeline({
      movies: [matrix, heat, ...TMDB_MOVIES.filter((m) => m.id !== 603 && m.id !== 949)],
      folders: ['Matrix, The (1999)', 'Heat.1995.1080p.BluRay.x264-GROUP'],
    });
    const p = pipeline;
    await p.phases.setPhase('enrichment', { language: 'de', certificationCountry: 'DE' });
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library } });
    await p.idle();
    expect(p.failed).toEqual([]);

    const { nfo, files, dir } = folderOf(p, 'Matrix, The (1999)');
    expect(nfo['title']).toBe('Matrix');
    expect(nfo['plot']).toBe('Der Hacker Neo erfährt die Wahrheit.');
    expect(nfo['tagline']).toBe('Welcome to the Real World.');
    expect(nfo['mpaa']).toBe('16');
    expect(nfo['set']).toMatchObject({ name: 'Matrix Filmreihe', overview: 'Die Matrix-Filme.' });
    // The German trailer, though only 480p, as Kodi's YouTube add-on plays it.
    expect(nfo['trailer']).toBe('plugin://plugin.video.youtube/play/?video_id=deutscherTrailer');
    // Textless fanart beats the larger German one; the German poster beats the English one.
    const stem = files.find((f) => f.endsWith('.nfo'))!.replace(/\.nfo$/, '');
    expect(imageSize(readFileSync(path.join(dir, `${stem}-fanart.jpg`)))).toMatchObject({ width: 1920, height: 1080 });
    const posters = p.media.movies.assets(p.media.movies.list().find((m) => m.tmdbId === '603')!.id, 'poster');
    expect(posters.map((a) => [a.language, a.selected])).toEqual([
      ['de', true],
      ['en', false],
    ]);

    // Heat has no German translation at all: English texts, no FSK rating rather than the US one.
    const heatFolder = folderOf(p, 'Heat.1995.1080p.BluRay.x264-GROUP');
    expect(heatFolder.nfo['title']).toBe('Heat');
    expect(heatFolder.nfo['plot']).toBe('A thief and a detective.');
    expect(heatFolder.nfo).not.toHaveProperty('mpaa');
    expect(heatFolder.nfo['uniqueid']).toMatchObject([
      { '#text': '949', '@type': 'tmdb' },
      { '#text': 'tt0113277', '@type': 'imdb' },
    ]);
  });

  it('a near miss is published with what the scan knew, never with another film', async () => {
    pipeline = await startPipeline({ movies: TMDB_MOVIES, folders: ['Alien (2017)', 'Avatar (2022)'] });
    const p = pipeline;
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library } });
    await p.idle();
    expect(p.failed).toEqual([]);
    for (const [folder, title] of [
      ['Alien (2017)', 'Alien'],
      ['Avatar (2022)', 'Avatar'],
    ] as const) {
      const { nfo, files } = folderOf(p, folder);
      expect(nfo['title']).toBe(title);
      expect(nfo).not.toHaveProperty('uniqueid');
      expect(nfo).not.toHaveProperty('plot');
      expect(files.filter((f) => /-(poster|fanart|clearlogo)\./.test(f))).toEqual([]);
    }
    // TMDB offered Alien: Covenant and Avatar: The Way of Water first; neither was fetched.
    expect(p.provider.requests.filter((r) => /^\/3\/movie\/\d+$/.test(r.path))).toEqual([]);
  });

  it('an id in the folder name that TMDB does not know falls back to the title search', async () => {
    pipeline = await startPipeline({ movies: TMDB_MOVIES, folders: ['The Matrix (1999) {tmdb-99999999}'] });
    const p = pipeline;
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library } });
    await p.idle();
    expect(p.failed).toEqual([]);
    expect(p.media.movies.list()[0]).toMatchObject({ idHints: { tmdb: '99999999' }, tmdbId: '603' });
    expect(folderOf(p, 'The Matrix (1999) {tmdb-99999999}').nfo['title']).toBe('The Matrix');
  });

  it('a refused key fails every enrichment at once, after one request, and publishes nothing', async () => {
    pipeline = await startPipeline({ movies: TMDB_MOVIES, folders: ['Heat (1995)', 'Alien (1979)', 'Dune (1984)'] });
    const p = pipeline;
    p.provider.failAlways({ status: 401, match: '/3/' });
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library } });
    await p.idle();
    expect(p.failed.map((f) => [f.job.type, f.job.attempts, (f.error as { code?: string }).code])).toEqual([
      ['enrich-metadata', 1, 'PROVIDER_CREDENTIALS'],
      ['enrich-metadata', 1, 'PROVIDER_CREDENTIALS'],
      ['enrich-metadata', 1, 'PROVIDER_CREDENTIALS'],
    ]);
    expect(p.retries).toEqual([]);
    expect(p.provider.requests.filter((r) => r.path.startsWith('/3/'))).toHaveLength(1);
    expect(p.done('publish')).toEqual([]);
    expect(existsSync(path.join(p.library, 'Heat (1995)', 'Heat.1995.1080p.nfo'))).toBe(false);
  });
});
