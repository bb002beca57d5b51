import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { ProviderError } from '../../../src/media/errors.js';
import type { LocalCatalogueInput } from '../../../src/media/providers/localCatalogue.js';
import { LocalProvider } from '../../../src/media/providers/LocalProvider.js';
import { makeJpeg } from '../support/images.js';

let dir: string;
let cataloguePath: string;

const catalogue: LocalCatalogueInput = {
  version: 1,
  movies: [
    {
      id: 603,
      title: 'The Matrix',
      aliases: ['Matrix'],
      year: 1999,
      plot: 'A hacker learns the truth.',
      runtimeMinutes: 136,
      genres: ['Action'],
      premiered: '1999-03-31',
      rating: 8.2,
      votes: 100,
      certification: 'R',
      providerIds: { tmdb: '603', imdb: 'tt0133093' },
      cast: [
        { name: 'Keanu Reeves', role: 'Neo', thumb: 'actors/keanu.jpg' },
        { name: 'Carrie-Anne Moss', thumb: 'https://img.example/carrie.jpg' },
      ],
      directors: ['Lana Wachowski'],
      translations: { de: { title: 'Matrix (DE)', plot: 'Ein Hacker.' } },
      artwork: [
        { kind: 'poster', url: 'art/matrix-poster.jpg', language: 'en', width: 1000, height: 1500 },
        { kind: 'fanart', url: 'https://img.example/fanart.JPG?v=2', width: 1920, height: 1080, votes: 3 },
        { kind: 'trailer', url: 'art/trailer.mp4', width: 1920, height: 1080 },
      ],
    },
    { id: 'amelie', title: 'Amélie', originalTitle: 'Le Fabuleux Destin d’Amélie Poulain', year: 2001 },
    { id: 'amelie-remake', title: 'Amelie', year: 2003 },
  ],
};

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'phaseq-local-'));
  cataloguePath = path.join(dir, 'catalogue.json');
  writeFileSync(cataloguePath, JSON.stringify(catalogue));
  mkdirSync(path.join(dir, 'art'));
  mkdirSync(path.join(dir, 'actors'));
  writeFileSync(path.join(dir, 'art', 'matrix-poster.jpg'), makeJpeg(1000, 1500));
  writeFileSync(path.join(dir, 'actors', 'keanu.jpg'), makeJpeg(300, 450));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('LocalProvider', () => {
  it('finds movies by title, alias, translated title and accent-free spelling, nearest year first', async () => {
    const local = new LocalProvider({ cataloguePath });
    expect(await local.search({ title: 'the matrix', year: 1999, language: 'en' })).toEqual([
      { id: '603', title: 'The Matrix', originalTitle: null, year: 1999 },
    ]);
    expect((await local.search({ title: 'Matrix', language: 'en' })).map((h) => h.id)).toEqual(['603']);
    expect((await local.search({ title: 'Matrix (DE)', language: 'de-DE' }))[0]?.title).toBe('Matrix (DE)');
    expect((await local.search({ title: 'AMELIE', year: 2002, language: 'en' })).map((h) => h.id)).toEqual(['amelie', 'amelie-remake']);
    expect((await local.search({ title: 'amelie', year: 2003, language: 'en' })).map((h) => h.id)).toEqual(['amelie-remake']);
    expect(await local.search({ title: 'The Matrix', year: 2005, language: 'en' })).toEqual([]);
    // Sorted lists write the article behind; it is the same title.
    expect((await local.search({ title: 'Matrix, The', year: 1999, language: 'en' })).map((h) => h.id)).toEqual(['603']);
  });

  it('finds a movie by an id written in the folder name before its title, and by title when the id is unknown', async () => {
    const local = new LocalProvider({ cataloguePath });
    expect((await local.search({ title: 'Whatever', language: 'en', ids: { imdb: 'tt0133093' } })).map((h) => h.id)).toEqual(['603']);
    expect((await local.search({ title: 'Whatever', language: 'en', ids: { tmdb: '603' } })).map((h) => h.id)).toEqual(['603']);
    expect((await local.search({ title: 'Whatever', language: 'en', ids: { local: 'amelie' } })).map((h) => h.id)).toEqual(['amelie']);
    expect((await local.search({ title: 'The Matrix', language: 'en', ids: { tmdb: '999' } })).map((h) => h.id)).toEqual(['603']);
  });

  it('returns details with defaults, translation by base language, and catalogue-relative photos made absolute', async () => {
    const local = new LocalProvider({ cataloguePath });
    const details = await local.details('603', { language: 'de-AT' });
    expect(details).toMatchObject({
      providerIds: { tmdb: '603', imdb: 'tt0133093' },
      title: 'Matrix (DE)',
      plot: 'Ein Hacker.',
      year: 1999,
      runtimeMinutes: 136,
      studios: [],
      writers: [],
      tagline: null,
      cast: [
        { name: 'Keanu Reeves', role: 'Neo', order: 0, thumbUrl: path.join(dir, 'actors', 'keanu.jpg') },
        { name: 'Carrie-Anne Moss', role: '', order: 1, thumbUrl: 'https://img.example/carrie.jpg' },
      ],
    });
    expect(existsSync(details.cast[0]?.thumbUrl ?? '')).toBe(true);
    expect((await local.details('603', { language: 'en' })).title).toBe('The Matrix');
  });

  it('lists artwork with absolute file paths and extensions taken from the URL', async () => {
    const art = await new LocalProvider({ cataloguePath }).artwork('603', { language: 'en' });
    expect(art).toEqual([
      { kind: 'poster', url: path.join(dir, 'art', 'matrix-poster.jpg'), language: 'en', width: 1000, height: 1500, votes: 0, ext: 'jpg' },
      { kind: 'fanart', url: 'https://img.example/fanart.JPG?v=2', language: null, width: 1920, height: 1080, votes: 3, ext: 'jpg' },
      { kind: 'trailer', url: path.join(dir, 'art', 'trailer.mp4'), language: null, width: 1920, height: 1080, votes: 0, ext: 'mp4' },
    ]);
  });

  it('throws ProviderError 404 for an unknown id', async () => {
    const error = await new LocalProvider({ cataloguePath }).details('nope', { language: 'en' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'local', status: 404 });
  });

  it('re-reads the catalogue when the file changes', async () => {
    const local = new LocalProvider({ cataloguePath });
    expect(await local.search({ title: 'New Movie', language: 'en' })).toEqual([]);
    writeFileSync(
      cataloguePath,
      JSON.stringify({ movies: [...(catalogue.movies ?? []), { id: 'new', title: 'New Movie', plot: 'Fresh, and longer.' }] }),
    );
    expect((await local.search({ title: 'New Movie', language: 'en' })).map((h) => h.id)).toEqual(['new']);
  });

  it('rejects an invalid catalogue with a ValidationError naming every bad field', async () => {
    writeFileSync(
      cataloguePath,
      JSON.stringify({
        movies: [
          { id: 1, title: 'A', premiered: '31.03.1999', artwork: [{ kind: 'cover', url: 'x.jpg', width: 1, height: 1 }] },
          { id: 1, title: '', rating: 11, unknownField: true },
        ],
      }),
    );
    const error = await new LocalProvider({ cataloguePath }).search({ title: 'A', language: 'en' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const paths = (error as ValidationError).issues.map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'movies.0.premiered',
        'movies.0.artwork.0.kind',
        'movies.1.title',
        'movies.1.rating',
        'movies.1.unknownField',
      ]),
    );
    expect((error as Error).message).toContain('movies.0.premiered');
  });

  it('reports a duplicate id, a file that is not JSON, and a missing file', async () => {
    writeFileSync(
      cataloguePath,
      JSON.stringify({
        movies: [
          { id: 1, title: 'A' },
          { id: '1', title: 'B' },
        ],
      }),
    );
    const duplicate = await new LocalProvider({ cataloguePath }).artwork('1', { language: 'en' }).catch((e: unknown) => e);
    expect((duplicate as ValidationError).issues).toEqual([{ path: 'movies.1.id', message: 'duplicate id "1"' }]);
    writeFileSync(cataloguePath, '{ not json');
    const notJson = await new LocalProvider({ cataloguePath }).artwork('1', { language: 'en' }).catch((e: unknown) => e);
    expect(notJson).toBeInstanceOf(ValidationError);
    expect((notJson as Error).message).toContain('not valid JSON');
    const missing = await new LocalProvider({ cataloguePath: path.join(dir, 'missing.json') })
      .artwork('1', { language: 'en' })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ProviderError);
    expect((missing as ProviderError).message).toContain('cannot read the catalogue');
  });
});
