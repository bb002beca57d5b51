import { describe, expect, it } from 'vitest';
import { parseMovieName } from '../../../src/media/scan/parseMovieName.js';

const NOW = new Date('2026-06-01T00:00:00Z');

describe('parseMovieName', () => {
  const cases: [string, string, number | null][] = [
    ['The Matrix (1999)', 'The Matrix', 1999],
    ['The.Matrix.1999.1080p.BluRay.x264-GROUP', 'The Matrix', 1999],
    ['The Matrix 1080p BluRay', 'The Matrix', null],
    ['Blade Runner 2049 (2017)', 'Blade Runner 2049', 2017],
    ['Blade.Runner.2049.2017.2160p.UHD.BluRay.x265', 'Blade Runner 2049', 2017],
    ['2001.A.Space.Odyssey.1968.720p.BluRay', '2001 A Space Odyssey', 1968],
    ['1917 (2019)', '1917', 2019],
    ['1917.2019.1080p.WEB-DL', '1917', 2019],
    ['2012.2009.1080p', '2012', 2009],
    ['Amélie [2001]', 'Amélie', 2001],
    ['Alien', 'Alien', null],
    ['Alien.mkv', 'Alien', null],
    ['Batman.1989.mkv', 'Batman', 1989],
    ['Se7en 1995 REMASTERED 1080p BluRay', 'Se7en', 1995],
    ['The_Godfather_1972', 'The Godfather', 1972],
    ['Mission.Impossible.-.Fallout.2018.2160p.UHD.BluRay.x265-TERMiNAL', 'Mission Impossible - Fallout', 2018],
    ['Star Wars Episode IV - A New Hope (1977) [1080p]', 'Star Wars Episode IV - A New Hope', 1977],
    ['10.Cloverfield.Lane.2016.1080p', '10 Cloverfield Lane', 2016],
    ['Mr. & Mrs. Smith (2005)', 'Mr. & Mrs. Smith', 2005],
    ['S.W.A.T. (2003)', 'S.W.A.T.', 2003],
    ['[YTS.MX] Parasite (2019)', 'Parasite', 2019],
    ['Apollo 13 (1995)', 'Apollo 13', 1995],
    ['Movie 1080p 2020', 'Movie', null],
    [
      'The.Lord.of.the.Rings.The.Fellowship.of.the.Ring.2001.EXTENDED.1080p.BluRay.x264',
      'The Lord of the Rings The Fellowship of the Ring',
      2001,
    ],
    ['Fantastic Four (2015) - 1080p', 'Fantastic Four', 2015],
    ['Metropolis (1927)', 'Metropolis', 1927],
    ['Dune Part Two 2024 2160p', 'Dune Part Two', 2024],
    ['WALL·E (2008)', 'WALL·E', 2008],
    ['Léon The Professional (1994)', 'Léon The Professional', 1994],
    ['Inception.2010.1080p.BluRay.x264-SPARKS.mkv', 'Inception', 2010],
    ['Avatar 2009 Extended Collectors Edition', 'Avatar', 2009],
    ['Sicario.Day.of.the.Soldado.2018.1080p.WEBRip.x264-[YTS.AM]', 'Sicario Day of the Soldado', 2018],
  ];
  for (const [name, title, year] of cases) {
    it(`parses ${JSON.stringify(name)}`, () => {
      const parsed = parseMovieName(name, NOW);
      expect(parsed.title).toBe(title);
      expect(parsed.year).toBe(year);
    });
  }

  it('takes ids written into the name as hints and keeps them out of the title', () => {
    expect(parseMovieName('The Matrix (1999) {tmdb-603}', NOW)).toEqual({ title: 'The Matrix', year: 1999, tmdbId: '603' });
    expect(parseMovieName('Inception (2010) [imdbid-tt1375666]', NOW)).toEqual({
      title: 'Inception',
      year: 2010,
      imdbId: 'tt1375666',
    });
    expect(parseMovieName('Heat.1995.tt0113277.1080p', NOW)).toMatchObject({ title: 'Heat', year: 1995, imdbId: 'tt0113277' });
  });

  it('does not take a year in the future as a year', () => {
    expect(parseMovieName('Space Odyssey 2150', NOW)).toEqual({ title: 'Space Odyssey 2150', year: null });
  });

  it('keeps XML and HTML characters as they are (escaping is the NFO writer’s job)', () => {
    expect(parseMovieName('<b>Bold</b> & "Quoted" (2020)', NOW)).toEqual({ title: '<b>Bold</b> & "Quoted"', year: 2020 });
  });

  it('never returns an empty title', () => {
    expect(parseMovieName('(1999)', NOW).title).not.toBe('');
    expect(parseMovieName('1080p', NOW).title).not.toBe('');
  });
});
