import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  actorThumbFileName,
  actorThumbPath,
  artworkPathFor,
  buildMovieNfo,
  kodiTrailerUrl,
  nfoPathsFor,
  stripXmlInvalid,
} from '../../src/media/nfo.js';
import type { MovieDetails } from '../../src/media/types.js';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => ['genre', 'studio', 'director', 'credits', 'uniqueid', 'actor', 'thumb'].includes(name),
});

/** Parses an NFO after checking it is well-formed XML. */
function parseNfo(xml: string): Record<string, any> {
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml).movie;
}

const matrix: MovieDetails = {
  providerIds: { tmdb: '603', imdb: 'tt0133093' },
  title: 'The Matrix',
  originalTitle: 'The Matrix',
  year: 1999,
  plot: 'Set in the 22nd century, The Matrix tells the story of a hacker. He joins rebels.',
  tagline: 'Welcome to the Real World.',
  runtimeMinutes: 136,
  genres: ['Action', 'Science Fiction'],
  studios: ['Warner Bros.', 'Village Roadshow'],
  premiered: '1999-03-31',
  rating: 8.2,
  votes: 24000,
  certification: 'R',
  cast: [
    { name: 'Laurence Fishburne', role: 'Morpheus', order: 1 },
    { name: 'Keanu Reeves', role: 'Neo', order: 0, thumbUrl: 'https://img.example/keanu.jpg' },
  ],
  directors: ['Lana Wachowski', 'Lilly Wachowski'],
  writers: ['Lana Wachowski'],
};

describe('buildMovieNfo', () => {
  it('writes every field Kodi reads, with tmdb as the default uniqueid', () => {
    const xml = buildMovieNfo(matrix, {
      remoteArt: {
        poster: 'https://img.example/p.jpg?a=1&b=2',
        fanart: 'https://img.example/f.jpg',
        clearlogo: 'https://img.example/l.png',
      },
      trailer: 'plugin://plugin.video.youtube/?action=play_video&videoid=abc',
    });
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<movie>')).toBe(true);
    const movie = parseNfo(xml);
    expect(movie.title).toBe('The Matrix');
    expect(movie.originaltitle).toBe('The Matrix');
    expect(movie.year).toBe('1999');
    expect(movie.plot).toBe(matrix.plot);
    expect(movie.outline).toBe('Set in the 22nd century, The Matrix tells the story of a hacker.');
    expect(movie.tagline).toBe('Welcome to the Real World.');
    expect(movie.runtime).toBe('136');
    expect(movie.mpaa).toBe('R');
    expect(movie.premiered).toBe('1999-03-31');
    expect(movie.genre).toEqual(['Action', 'Science Fiction']);
    expect(movie.studio).toEqual(['Warner Bros.', 'Village Roadshow']);
    expect(movie.director).toEqual(['Lana Wachowski', 'Lilly Wachowski']);
    expect(movie.credits).toEqual(['Lana Wachowski']);
    expect(movie.uniqueid).toEqual([
      { '#text': '603', '@type': 'tmdb', '@default': 'true' },
      { '#text': 'tt0133093', '@type': 'imdb' },
    ]);
    expect(movie.ratings.rating).toMatchObject({ '@name': 'themoviedb', '@max': '10', '@default': 'true', value: '8.2', votes: '24000' });
    // toMatchObject: the parser also reports the pretty-printing whitespace between child elements.
    expect(movie.actor).toHaveLength(2);
    expect(movie.actor).toMatchObject([
      { name: 'Keanu Reeves', role: 'Neo', order: '0', thumb: ['https://img.example/keanu.jpg'] },
      { name: 'Laurence Fishburne', role: 'Morpheus', order: '1' },
    ]);
    expect(movie.actor[1]).not.toHaveProperty('thumb');
    expect(movie.thumb).toEqual([
      { '#text': 'https://img.example/p.jpg?a=1&b=2', '@aspect': 'poster' },
      { '#text': 'https://img.example/l.png', '@aspect': 'clearlogo' },
    ]);
    expect(movie.fanart.thumb).toEqual(['https://img.example/f.jpg']);
    expect(movie.trailer).toBe('plugin://plugin.video.youtube/?action=play_video&videoid=abc');
  });

  it('writes a YouTube trailer as the YouTube add-on URL Kodi plays, other trailers as they are', () => {
    const trailerOf = (url: string) => parseNfo(buildMovieNfo(matrix, { trailer: url })).trailer;
    expect(trailerOf('https://www.youtube.com/watch?v=vKQi3bBA1y8')).toBe('plugin://plugin.video.youtube/play/?video_id=vKQi3bBA1y8');
    expect(trailerOf('https://youtu.be/vKQi3bBA1y8')).toBe('plugin://plugin.video.youtube/play/?video_id=vKQi3bBA1y8');
    expect(trailerOf('https://m.youtube.com/embed/a_b-c')).toBe('plugin://plugin.video.youtube/play/?video_id=a_b-c');
    expect(trailerOf('https://vimeo.com/12345')).toBe('https://vimeo.com/12345');
    expect(trailerOf('Heat-trailer.mp4')).toBe('Heat-trailer.mp4');
    // Not a video id: left alone rather than turned into a broken add-on call.
    expect(kodiTrailerUrl('https://www.youtube.com/watch?v=a%22b')).toBe('https://www.youtube.com/watch?v=a%22b');
    expect(kodiTrailerUrl('https://www.youtube.com/channel/UC1')).toBe('https://www.youtube.com/channel/UC1');
  });

  it('writes the collection as <set> with its name and overview', () => {
    const movie = parseNfo(buildMovieNfo({ ...matrix, set: { name: 'The Matrix Collection', overview: 'Four films & more.' } }));
    expect(movie.set).toMatchObject({ name: 'The Matrix Collection', overview: 'Four films & more.' });
    expect(parseNfo(buildMovieNfo({ ...matrix, set: { name: 'Alone', overview: null } })).set).not.toHaveProperty('overview');
    expect(parseNfo(buildMovieNfo({ ...matrix, set: null }))).not.toHaveProperty('set');
    expect(parseNfo(buildMovieNfo(matrix))).not.toHaveProperty('set');
  });

  it('leaves out fields the provider did not give and uses imdb as default id without tmdb', () => {
    const movie = parseNfo(
      buildMovieNfo({
        ...matrix,
        providerIds: { imdb: 'tt1' },
        originalTitle: null,
        plot: null,
        tagline: null,
        runtimeMinutes: null,
        rating: null,
        certification: null,
        cast: [],
      }),
    );
    // Kodi stores an empty original title when the tag is missing: the title stands in.
    expect(movie.originaltitle).toBe(matrix.title);
    expect(movie).not.toHaveProperty('plot');
    expect(movie).not.toHaveProperty('outline');
    expect(movie).not.toHaveProperty('ratings');
    expect(movie).not.toHaveProperty('actor');
    expect(movie).not.toHaveProperty('thumb');
    expect(movie.uniqueid).toEqual([{ '#text': 'tt1', '@type': 'imdb', '@default': 'true' }]);
  });

  it.each([
    ['markup', '<script>alert("x")</script> & <b>bold</b>'],
    ['a CDATA terminator', 'Before ]]> after <![CDATA[ inside ]]>'],
    ['entity-looking text', 'Tom &amp; Jerry &lt;3 &copy; &foo; &#38; &#x41;'],
    ['quotes and apostrophes', `"Quoted" 'single' \`back\``],
    ['a processing instruction and a comment', '<?xml version="1.0"?><!-- c --> --> <!DOCTYPE x>'],
  ])('escapes a hostile title with %s and reads it back unchanged', (_what, title) => {
    const hostile: MovieDetails = {
      ...matrix,
      title,
      providerIds: { tmdb: title, imdb: 'tt"1' },
      cast: [{ name: title, role: title, order: 0, thumbUrl: `https://x/${title}` }],
      genres: [title],
    };
    const movie = parseNfo(buildMovieNfo(hostile, { remoteArt: { poster: title }, ratingSource: title }));
    expect(movie.title).toBe(title);
    expect(movie.genre).toEqual([title]);
    expect(movie.actor[0]).toMatchObject({ name: title, role: title, thumb: [`https://x/${title}`] });
    expect(movie.uniqueid[0]['#text']).toBe(title);
    expect(movie.thumb[0]['#text']).toBe(title);
    expect(movie.ratings.rating['@name']).toBe(title);
  });

  it('strips characters XML 1.0 forbids (control characters, lone surrogates, U+FFFF) and keeps the rest', () => {
    const title = 'A\u0000B\u0007C\u001bD\uD800E\uFFFFF\tG\u00e9\u{1F600}';
    const movie = parseNfo(buildMovieNfo({ ...matrix, title, cast: [{ name: `X\u0001Y`, role: '', order: 0 }] }));
    expect(movie.title).toBe('ABCDEF\tG\u00e9\u{1F600}');
    expect(movie.actor[0].name).toBe('XY');
  });

  it('stays valid and round-trips any text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }), (title, plot) => {
        const xml = buildMovieNfo({ ...matrix, title, plot, cast: [{ name: plot, role: title, order: 0 }] });
        expect(XMLValidator.validate(xml)).toBe(true);
        const movie = parser.parse(xml).movie;
        // XML parsers turn CR into LF; empty values are left out of the document.
        const expected = (value: string) => {
          const clean = stripXmlInvalid(value).replace(/\r\n?/g, '\n');
          return clean === '' ? undefined : clean;
        };
        const read = (value: unknown) => (typeof value === 'string' ? value.replace(/\r\n?/g, '\n') : value);
        expect(read(movie.title)).toBe(expected(title));
        expect(read(movie.plot)).toBe(expected(plot));
        expect(read(movie.actor[0].name)).toBe(expected(plot));
      }),
      { numRuns: 300 },
    );
  });
});

describe('Kodi file names', () => {
  const video = path.join('/lib', 'Heat (1995)', 'Heat (1995).mkv');
  const dir = path.dirname(video);

  it('puts <name>.nfo next to the video, and movie.nfo only on request', () => {
    expect(nfoPathsFor(video)).toEqual([path.join(dir, 'Heat (1995).nfo')]);
    expect(nfoPathsFor(video, { movieNfo: true })).toEqual([path.join(dir, 'Heat (1995).nfo'), path.join(dir, 'movie.nfo')]);
  });

  it('names artwork <name>-<kind>.<ext> with Kodi’s default extensions', () => {
    expect(artworkPathFor(video, 'poster')).toBe(path.join(dir, 'Heat (1995)-poster.jpg'));
    expect(artworkPathFor(video, 'fanart')).toBe(path.join(dir, 'Heat (1995)-fanart.jpg'));
    expect(artworkPathFor(video, 'clearlogo')).toBe(path.join(dir, 'Heat (1995)-clearlogo.png'));
    expect(artworkPathFor(video, 'trailer', '.WEBM')).toBe(path.join(dir, 'Heat (1995)-trailer.webm'));
    expect(() => artworkPathFor(video, 'poster', '../x')).toThrow(RangeError);
  });

  it('names actor photos First_Last.jpg inside .actors, whatever the name', () => {
    expect(actorThumbPath(dir, 'Al Pacino')).toBe(path.join(dir, '.actors', 'Al_Pacino.jpg'));
    expect(actorThumbFileName('  Robert  De Niro ', 'png')).toBe('Robert_De_Niro.png');
    for (const hostile of ['../../etc/passwd', '..', '.', 'a/b\\c', 'x:*?"<>|y', '\u0000']) {
      const file = actorThumbPath(dir, hostile);
      expect(path.dirname(file)).toBe(path.join(dir, '.actors'));
      expect(path.basename(file).startsWith('.')).toBe(false);
    }
  });
});
