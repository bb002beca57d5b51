/**
 * Kodi's TV NFOs against golden files: tvshow.nfo, a single-episode NFO and a
 * multi-episode NFO (one XML declaration, one <episodedetails> per episode). Set
 * UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate change, then review the diff.
 */
import fc from 'fast-check';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { episodeNfoPath, episodeThumbPath, seasonPosterPath, showArtworkPath } from '../../../src/media/tv/artwork.js';
import { stripXmlInvalid } from '../../../src/media/nfo.js';
import { buildEpisodeNfo, buildTvShowNfo, type EpisodeNfoDetails } from '../../../src/media/tv/nfo.js';
import type { SeriesDetails } from '../../../src/media/tv/types.js';

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');

function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  expect(existsSync(file), `golden file ${name} (UPDATE_GOLDEN=1 writes it)`).toBe(true);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => ['genre', 'studio', 'director', 'credits', 'uniqueid', 'actor', 'namedseason'].includes(name),
});

/** Each `<episodedetails>` block, found the way Kodi finds them, validated and parsed on its own. */
function blocks(xml: string): Record<string, unknown>[] {
  const starts: number[] = [];
  for (let at = xml.indexOf('<episodedetails'); at !== -1; at = xml.indexOf('<episodedetails', at + 1)) starts.push(at);
  return starts.map((start, i) => {
    const block = xml.slice(start, starts[i + 1] ?? xml.length);
    expect(XMLValidator.validate(block)).toBe(true);
    return (parser.parse(block) as { episodedetails: Record<string, unknown> }).episodedetails;
  });
}

const breakingBad: SeriesDetails = {
  providerIds: { tmdb: '1396', tvdb: '81189', imdb: 'tt0903747' },
  title: 'Breaking Bad',
  originalTitle: 'Breaking Bad',
  year: 2008,
  plot: 'A high school chemistry teacher diagnosed with cancer turns to manufacturing methamphetamine.',
  premiered: '2008-01-20',
  status: 'Ended',
  genres: ['Drama', 'Crime'],
  studios: ['AMC'],
  certification: 'TV-MA',
  rating: 8.9,
  votes: 15000,
  runtimeMinutes: 47,
  cast: [
    { name: 'Bryan Cranston', role: 'Walter White', order: 0, thumbUrl: 'https://image.tmdb.org/t/p/original/bryan.jpg' },
    { name: 'Aaron Paul', role: 'Jesse Pinkman', order: 1 },
  ],
  seasons: [],
};

const pilot: EpisodeNfoDetails = {
  providerIds: { tmdb: '62085', tvdb: '349232', imdb: 'tt0959621' },
  seasonNumber: 1,
  episodeNumber: 1,
  title: 'Pilot',
  plot: 'Diagnosed with terminal lung cancer, a teacher turns to crime.',
  aired: '2008-01-20',
  runtimeMinutes: 58,
  rating: 8.2,
  votes: 300,
  directors: ['Vince Gilligan'],
  writers: ['Vince Gilligan'],
  guestStars: [{ name: 'Steven Michael Quezada', role: 'Steven Gomez', order: 0 }],
};

describe('tvshow.nfo', () => {
  it('matches the golden file: every field Kodi reads, tmdb the default uniqueid, namedseason per season', () => {
    const xml = buildTvShowNfo(breakingBad, {
      seasonNames: new Map([
        [1, 'Season 1'],
        [0, 'Specials'],
      ]),
      remoteArt: { poster: 'https://image.tmdb.org/t/p/original/poster.jpg', fanart: 'https://image.tmdb.org/t/p/original/fanart.jpg' },
    });
    golden('tvshow.nfo', xml);
    expect(XMLValidator.validate(xml)).toBe(true);
    const show = (parser.parse(xml) as { tvshow: Record<string, unknown> }).tvshow;
    expect(show).toMatchObject({ title: 'Breaking Bad', year: '2008', premiered: '2008-01-20', status: 'Ended', mpaa: 'TV-MA' });
    expect(show['uniqueid']).toEqual([
      { '#text': '1396', '@type': 'tmdb', '@default': 'true' },
      { '#text': '81189', '@type': 'tvdb' },
      { '#text': 'tt0903747', '@type': 'imdb' },
    ]);
    expect(show['namedseason']).toEqual([
      { '#text': 'Specials', '@number': '0' },
      { '#text': 'Season 1', '@number': '1' },
    ]);
  });

  it('makes tvdb the default id when there is no tmdb id', () => {
    const xml = buildTvShowNfo({ ...breakingBad, providerIds: { imdb: 'tt0903747', tvdb: '81189' } });
    const show = (parser.parse(xml) as { tvshow: { uniqueid: Record<string, string>[] } }).tvshow;
    expect(show.uniqueid.find((u) => u['@default'] === 'true')?.['@type']).toBe('tvdb');
  });
});

describe('episode NFOs', () => {
  it('a single episode: one ordinary XML document (golden file)', () => {
    const xml = buildEpisodeNfo([{ details: pilot, remoteThumb: 'https://image.tmdb.org/t/p/original/still.jpg' }]);
    golden('episode.nfo', xml);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(blocks(xml)).toEqual([
      expect.objectContaining({ title: 'Pilot', season: '1', episode: '1', aired: '2008-01-20', runtime: '58' }),
    ]);
  });

  it('a multi-episode file: one declaration, then one <episodedetails> per episode, each well-formed (golden file)', () => {
    const second: EpisodeNfoDetails = {
      ...pilot,
      episodeNumber: 2,
      title: "Cat's in the Bag...",
      providerIds: { tmdb: '62086' },
      guestStars: [],
    };
    const xml = buildEpisodeNfo([{ details: pilot }, { details: second }]);
    golden('multi-episode.nfo', xml);
    expect(xml.match(/<\?xml/g)).toHaveLength(1);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<episodedetails>')).toBe(true);
    // Not one document (two roots): which is exactly the form Kodi reads block by block.
    expect(XMLValidator.validate(xml)).not.toBe(true);
    const parsed = blocks(xml);
    expect(parsed.map((b) => [b['episode'], b['title']])).toEqual([
      ['1', 'Pilot'],
      ['2', "Cat's in the Bag..."],
    ]);
    // Kodi's lookup for episode 2: the block whose <episode> is 2.
    expect(parsed.find((b) => b['episode'] === '2')?.['uniqueid']).toEqual([{ '#text': '62086', '@type': 'tmdb', '@default': 'true' }]);
  });

  it('an unmatched daily episode leaves season and episode out and keeps the air date', () => {
    const xml = buildEpisodeNfo([
      { details: { ...pilot, seasonNumber: null, episodeNumber: null, title: '2024-01-31', aired: '2024-01-31' } },
    ]);
    const [block] = blocks(xml);
    expect(block).not.toHaveProperty('season');
    expect(block).not.toHaveProperty('episode');
    expect(block).toMatchObject({ title: '2024-01-31', aired: '2024-01-31' });
  });

  it('refuses an NFO without episodes', () => {
    expect(() => buildEpisodeNfo([])).toThrow(RangeError);
  });

  it('escapes any text: every block stays well-formed and reads back exactly (also the string Kodi searches for)', () => {
    // XML itself reads a CR (or CRLF) as LF: that is the one change a reader sees.
    const clean = (s: string) => stripXmlInvalid(s).replace(/\r\n?/g, '\n');
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { minLength: 2, maxLength: 2 }),
        fc.string({ unit: 'binary' }),
        ([a, b], plot) => {
          const titles = [`${a}<episodedetails>`, `]]>&amp;${b}`];
          const xml = buildEpisodeNfo(titles.map((title, i) => ({ details: { ...pilot, episodeNumber: i + 1, title, plot } })));
          const parsed = blocks(xml);
          // Text never adds a block: "<episodedetails" only starts real elements.
          expect(parsed).toHaveLength(2);
          parsed.forEach((block, i) => {
            const expectTitle = clean(titles[i]!);
            expect(typeof block['title'] === 'string' ? block['title'].replace(/\r\n?/g, '\n') : block['title']).toBe(expectTitle);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("Kodi's TV artwork and NFO names", () => {
  it('names show, season and episode files as Kodi reads them', () => {
    const show = '/tv/Breaking Bad (2008)';
    expect(showArtworkPath(show, 'poster')).toBe(`${show}/poster.jpg`);
    expect(showArtworkPath(show, 'fanart')).toBe(`${show}/fanart.jpg`);
    expect(showArtworkPath(show, 'clearlogo')).toBe(`${show}/clearlogo.png`);
    expect(seasonPosterPath(show, 1)).toBe(`${show}/season01-poster.jpg`);
    expect(seasonPosterPath(show, 12)).toBe(`${show}/season12-poster.jpg`);
    expect(seasonPosterPath(show, 0)).toBe(`${show}/season-specials-poster.jpg`);
    expect(seasonPosterPath(show, 'all')).toBe(`${show}/season-all-poster.jpg`);
    expect(seasonPosterPath(show, 1, 'png')).toBe(`${show}/season01-poster.png`);
    const video = `${show}/Season 01/Breaking.Bad.S01E01.1080p.mkv`;
    expect(episodeNfoPath(video)).toBe(`${show}/Season 01/Breaking.Bad.S01E01.1080p.nfo`);
    expect(episodeThumbPath(video)).toBe(`${show}/Season 01/Breaking.Bad.S01E01.1080p-thumb.jpg`);
    expect(() => episodeThumbPath(video, '../x')).toThrow(RangeError);
  });
});
