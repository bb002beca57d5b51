import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { ProviderError } from '../../../src/media/errors.js';
import type { LocalCatalogueInput } from '../../../src/media/providers/localCatalogue.js';
import { LocalProvider } from '../../../src/media/providers/LocalProvider.js';

let dir: string;
let cataloguePath: string;

const catalogue: LocalCatalogueInput = {
  series: [
    {
      id: 57243,
      title: 'Doctor Who',
      year: 2005,
      premiered: '2005-03-26',
      status: 'Ended',
      plot: 'The Doctor travels in time.',
      providerIds: { tmdb: '57243', tvdb: '78804' },
      cast: [{ name: 'David Tennant', role: 'The Doctor', thumb: 'actors/david.jpg' }],
      artwork: [{ kind: 'poster', url: 'art/dw.jpg', language: 'en', width: 1000, height: 1500 }],
      translations: { de: { title: 'Doctor Who (Neu)', plot: 'Der Doktor reist.' } },
      seasons: [
        {
          number: 1,
          name: 'Series 1',
          premiered: '2005-03-26',
          translations: { de: { name: 'Staffel 1' } },
          artwork: [{ kind: 'poster', url: 'https://example.org/s1.jpg', width: 680, height: 1000 }],
          episodes: [
            {
              number: 1,
              title: 'Rose',
              aired: '2005-03-26',
              thumbs: [{ url: 'art/rose.jpg', width: 1280, height: 720 }],
              translations: { de: { title: 'Rose (de)' } },
            },
            { number: 2, title: 'The End of the World', aired: '2005-04-02', guestStars: [{ name: 'Zoë Wanamaker', role: 'Cassandra' }] },
          ],
        },
        { number: 0, name: 'Specials', episodes: [{ number: 1, title: 'The Christmas Invasion' }] },
      ],
    },
    { id: 'dw1963', title: 'Doctor Who', year: 1963 },
  ],
};

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'phaseq-local-series-'));
  cataloguePath = path.join(dir, 'catalogue.json');
  writeFileSync(cataloguePath, JSON.stringify(catalogue));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('LocalProvider series', () => {
  it('finds shows by title, nearest first-aired year only (Doctor Who 2005 is not the 1963 show)', async () => {
    const { series } = new LocalProvider({ cataloguePath });
    expect((await series.searchSeries({ title: 'Doctor Who', year: 2005, language: 'en' })).map((h) => h.id)).toEqual(['57243']);
    expect((await series.searchSeries({ title: 'doctor who', year: 1963, language: 'en' })).map((h) => h.id)).toEqual(['dw1963']);
    expect((await series.searchSeries({ title: 'Doctor Who', language: 'en' })).map((h) => h.id).sort()).toEqual(['57243', 'dw1963']);
    expect(await series.searchSeries({ title: 'Doctor Who', year: 1990, language: 'en' })).toEqual([]);
    expect((await series.searchSeries({ title: 'Doctor Who (Neu)', language: 'de' }))[0]).toMatchObject({
      id: '57243',
      title: 'Doctor Who (Neu)',
      year: 2005,
    });
  });

  it('finds a show by an id written in its folder name before its title, and by title when the id is unknown', async () => {
    const { series } = new LocalProvider({ cataloguePath });
    expect((await series.searchSeries({ title: 'Anything', language: 'en', ids: { tvdb: '78804' } })).map((h) => h.id)).toEqual(['57243']);
    expect((await series.searchSeries({ title: 'Anything', language: 'en', ids: { local: 'dw1963' } })).map((h) => h.id)).toEqual([
      'dw1963',
    ]);
    const unknown = await series.searchSeries({ title: 'Doctor Who', year: 1963, language: 'en', ids: { tmdb: '999' } });
    expect(unknown.map((h) => h.id)).toEqual(['dw1963']);
  });

  it('gives the show with its seasons, texts in the asked language, local paths resolved', async () => {
    const { series } = new LocalProvider({ cataloguePath });
    const show = await series.seriesDetails('57243', { language: 'de-DE' });
    expect(show).toMatchObject({
      title: 'Doctor Who (Neu)',
      plot: 'Der Doktor reist.',
      year: 2005,
      status: 'Ended',
      providerIds: { tmdb: '57243', tvdb: '78804' },
    });
    expect(show.cast).toEqual([{ name: 'David Tennant', role: 'The Doctor', order: 0, thumbUrl: path.join(dir, 'actors', 'david.jpg') }]);
    expect(show.seasons.map((s) => [s.seasonNumber, s.name, s.episodeCount])).toEqual([
      [0, 'Specials', 1],
      [1, 'Staffel 1', 2],
    ]);
    expect(await series.seriesArtwork('57243', { language: 'en' })).toEqual([
      { kind: 'poster', url: path.join(dir, 'art', 'dw.jpg'), language: 'en', width: 1000, height: 1500, votes: 0, ext: 'jpg' },
    ]);
  });

  it('gives a season with its episodes, stills and posters; an unknown season or show is a 404', async () => {
    const { series } = new LocalProvider({ cataloguePath });
    const season = await series.seasonDetails('57243', 1, { language: 'de' });
    expect(season.episodes.map((e) => [e.seasonNumber, e.episodeNumber, e.title, e.aired])).toEqual([
      [1, 1, 'Rose (de)', '2005-03-26'],
      [1, 2, 'The End of the World', '2005-04-02'],
    ]);
    expect(season.episodes[0]!.thumbs).toEqual([
      { kind: 'thumb', url: path.join(dir, 'art', 'rose.jpg'), language: null, width: 1280, height: 720, votes: 0, ext: 'jpg' },
    ]);
    expect(season.episodes[1]!.guestStars).toEqual([{ name: 'Zoë Wanamaker', role: 'Cassandra', order: 0 }]);
    expect(season.artwork[0]).toMatchObject({ kind: 'poster', url: 'https://example.org/s1.jpg', ext: 'jpg' });
    await expect(series.seasonDetails('57243', 9, { language: 'en' })).rejects.toMatchObject({ name: 'ProviderError', status: 404 });
    await expect(series.seriesDetails('nope', { language: 'en' })).rejects.toBeInstanceOf(ProviderError);
  });

  it('refuses a series section with duplicate ids, seasons or episodes, naming each', async () => {
    writeFileSync(
      cataloguePath,
      JSON.stringify({
        series: [
          {
            id: 1,
            title: 'A',
            seasons: [
              {
                number: 1,
                episodes: [
                  { number: 1, title: 'x' },
                  { number: 1, title: 'y' },
                ],
              },
              { number: 1 },
            ],
          },
          { id: '1', title: 'B' },
        ],
      }),
    );
    const error = await new LocalProvider({ cataloguePath }).series.searchSeries({ title: 'A', language: 'en' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual([
      'series.0.seasons.0.episodes.1.number',
      'series.0.seasons.1.number',
      'series.1.id',
    ]);
  });

  it('a catalogue may hold only series, or only movies (and verify() accepts either)', async () => {
    const local = new LocalProvider({ cataloguePath });
    expect(await local.verify()).toEqual({ movies: 0, series: 2 });
    expect(await local.search({ title: 'Doctor Who', language: 'en' })).toEqual([]);
    writeFileSync(cataloguePath, JSON.stringify({ movies: [{ id: 1, title: 'Heat' }] }));
    expect(await local.series.searchSeries({ title: 'Doctor Who', language: 'en' })).toEqual([]);
    expect(await local.verify()).toEqual({ movies: 1, series: 0 });
  });
});
