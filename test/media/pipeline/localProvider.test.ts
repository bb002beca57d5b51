import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalProvider } from '../../../src/media/providers/LocalProvider.js';
import { makeJpeg } from '../support/images.js';
import { startPipeline, type Pipeline } from './harness.js';

let pipeline: Pipeline | undefined;
let catalogueDir: string | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
  if (catalogueDir) rmSync(catalogueDir, { recursive: true, force: true });
  catalogueDir = undefined;
});

/** A catalogue with local artwork, a local actor photo and a downloadable trailer file. */
function writeCatalogue(dir: string): string {
  const art = path.join(dir, 'catalogue');
  mkdirSync(art, { recursive: true });
  writeFileSync(path.join(art, 'poster.jpg'), makeJpeg(1000, 1500));
  writeFileSync(path.join(art, 'keanu.jpg'), makeJpeg(300, 450));
  writeFileSync(path.join(art, 'trailer.mp4'), Buffer.from('not really an mp4, but bytes all the same'));
  const file = path.join(art, 'catalogue.json');
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      movies: [
        {
          id: '603',
          title: 'The Matrix',
          year: 1999,
          plot: 'A hacker learns the truth.',
          rating: 8.7,
          votes: 1000,
          providerIds: { tmdb: '603', imdb: 'tt0133093' },
          cast: [{ name: 'Keanu Reeves', role: 'Neo', thumb: 'keanu.jpg' }],
          artwork: [
            { kind: 'poster', url: 'poster.jpg', language: 'en', width: 1000, height: 1500 },
            { kind: 'trailer', url: 'trailer.mp4', language: 'en', width: 1920, height: 1080 },
          ],
        },
      ],
    }),
  );
  return file;
}

describe('the pipeline on the offline catalogue provider', () => {
  it('publishes local artwork, actor photos and, with publish.trailers, the trailer file', async () => {
    catalogueDir = mkdtempSync(path.join(tmpdir(), 'phaseq-catalogue-'));
    const cataloguePath = writeCatalogue(catalogueDir);
    pipeline = await startPipeline({
      movies: [],
      folders: ['The Matrix (1999)', 'Unknown Thing (2003)'],
      wrapProvider: () => new LocalProvider({ cataloguePath }),
    });
    await pipeline.phases.set('publish.trailers', true);
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: pipeline.library } });
    await pipeline.idle();
    expect(pipeline.failed).toEqual([]);

    const matrix = path.join(pipeline.library, 'The Matrix (1999)');
    const stem = 'The.Matrix.1999.1080p';
    const art = path.dirname(cataloguePath);
    expect(readFileSync(path.join(matrix, `${stem}-poster.jpg`))).toEqual(readFileSync(path.join(art, 'poster.jpg')));
    expect(readFileSync(path.join(matrix, `${stem}-trailer.mp4`))).toEqual(readFileSync(path.join(art, 'trailer.mp4')));
    expect(readFileSync(path.join(matrix, '.actors', 'Keanu_Reeves.jpg'))).toEqual(readFileSync(path.join(art, 'keanu.jpg')));
    const nfo = new XMLParser({ ignoreAttributes: false, parseTagValue: false }).parse(
      readFileSync(path.join(matrix, `${stem}.nfo`), 'utf8'),
    ) as { movie: { title: string; plot: string; actor: { name: string; role: string } } };
    expect(nfo.movie).toMatchObject({
      title: 'The Matrix',
      plot: 'A hacker learns the truth.',
      actor: { name: 'Keanu Reeves', role: 'Neo' },
    });
    // The catalogue's local photo path is not written into the NFO; the photo is in .actors.
    expect(nfo.movie.actor).not.toHaveProperty('thumb');
    // The rating came from the catalogue, and is named so.
    const rated = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(
      readFileSync(path.join(matrix, `${stem}.nfo`), 'utf8'),
    ) as { movie: { ratings: { rating: { '@name': string; value: number } } } };
    expect(rated.movie.ratings.rating).toMatchObject({ '@name': 'local', value: 8.7 });

    // A movie the catalogue does not know is still published, with what the scan parsed.
    const unknown = path.join(pipeline.library, 'Unknown Thing (2003)', 'Unknown.Thing.2003.1080p.nfo');
    const minimal = new XMLParser({ parseTagValue: false }).parse(readFileSync(unknown, 'utf8')) as {
      movie: { title: string; year: string };
    };
    expect(minimal.movie).toEqual({ title: 'Unknown Thing', originaltitle: 'Unknown Thing', year: '2003' });
    expect(
      pipeline
        .done('enrich-metadata')
        .map((o) => (o.result as { providerId: string | null }).providerId)
        .sort(),
    ).toEqual(['603', null]);
    expect(pipeline.done('publish')).toHaveLength(2);
  });

  it('without publish.trailers the trailer stays in the catalogue', async () => {
    catalogueDir = mkdtempSync(path.join(tmpdir(), 'phaseq-catalogue-'));
    const cataloguePath = writeCatalogue(catalogueDir);
    pipeline = await startPipeline({
      movies: [],
      folders: ['The Matrix (1999)'],
      wrapProvider: () => new LocalProvider({ cataloguePath }),
    });
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: pipeline.library } });
    await pipeline.idle();
    const matrix = path.join(pipeline.library, 'The Matrix (1999)');
    expect(existsSync(path.join(matrix, 'The.Matrix.1999.1080p-poster.jpg'))).toBe(true);
    expect(existsSync(path.join(matrix, 'The.Matrix.1999.1080p-trailer.mp4'))).toBe(false);
  });
});
