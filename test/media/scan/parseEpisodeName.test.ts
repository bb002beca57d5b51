import { describe, expect, it } from 'vitest';
import {
  looksLikeEpisode,
  parseEpisodeName,
  parseSeasonFolder,
  parseShowFolder,
  type ParsedEpisodeName,
} from '../../../src/media/scan/parseEpisodeName.js';

const ep = (season: number | null, ...episodes: number[]): ParsedEpisodeName => ({ kind: 'numbered', season, episodes });
const dated = (aired: string): ParsedEpisodeName => ({ kind: 'dated', aired });
const absolute = (episode: number): ParsedEpisodeName => ({ kind: 'absolute', episode });
const NONE: ParsedEpisodeName = { kind: 'none' };
const SAMPLE: ParsedEpisodeName = { kind: 'sample' };

/** File names as found in real libraries: Sonarr's naming styles, scene releases, anime, people. */
const FILES: [string, ParsedEpisodeName][] = [
  // Scene and Sonarr standard
  ['Breaking.Bad.S01E01.1080p.BluRay.x264-GROUP.mkv', ep(1, 1)],
  ['Breaking.Bad.S01E02.720p.HDTV.x264.mkv', ep(1, 2)],
  ['Breaking Bad - S05E16 - Felina.mkv', ep(5, 16)],
  ['breaking.bad.s02e03.hdtv.xvid.avi', ep(2, 3)],
  ['The.Office.US.S02E01.The.Dundies.720p.mkv', ep(2, 1)],
  ['Doctor Who (2005) - S01E01 - Rose.mkv', ep(1, 1)],
  ['Doctor.Who.2005.S13E06.1080p.WEB.H264.mkv', ep(13, 6)],
  ['9-1-1.S02E01.1080p.WEB.h264.mkv', ep(2, 1)],
  ['9-1-1 - S07E10 - Step Nine.mkv', ep(7, 10)],
  ['Marvels.Agents.of.S.H.I.E.L.D.S04E01.1080p.mkv', ep(4, 1)],
  ['The.100.S03E07.720p.mkv', ep(3, 7)],
  ['24.S08E24.1080p.BluRay.mkv', ep(8, 24)],
  ['1883.S01E01.1883.2160p.WEB.H265.mkv', ep(1, 1)],
  ['Show.Name.S01.E02.mkv', ep(1, 2)],
  ['Show Name S1E2.mp4', ep(1, 2)],
  ['Show.Name.S10E100.mkv', ep(10, 100)],
  ['Show.Name.S2024E15.Daily.Edition.mkv', ep(2024, 15)],
  ['Specials/Show.Name.S00E03.Christmas.Special.mkv', ep(0, 3)],
  ['show.name.s01e05.x265.hevc.10bit.aac.mkv', ep(1, 5)],
  ['Show.Name.S03E04.DDP5.1.Atmos.2160p.mkv', ep(3, 4)],
  // Multi-episode files, in each of Sonarr's multi-episode styles
  ['Show.Name.S01E02E03.1080p.mkv', ep(1, 2, 3)],
  ['Show Name - S01E02-E03 - Title.mkv', ep(1, 2, 3)],
  ['Show Name - S01E02-03 - Title.mkv', ep(1, 2, 3)],
  ['Show.Name.S01E01-E02-E03.mkv', ep(1, 1, 2, 3)],
  ['Show.Name.S01E01-02-03.mkv', ep(1, 1, 2, 3)],
  ['Show.Name.S01E01.S01E02.mkv', ep(1, 1, 2)],
  ['Show.Name.S02E01-E04.Range.mkv', ep(2, 1, 2, 3, 4)],
  ['Show.Name.S02E01E04.mkv', ep(2, 1, 4)],
  ['Show.Name.S01E02-720p.mkv', ep(1, 2)],
  ['Show.Name.S01E05-E02.mkv', ep(1, 5)],
  // The 1x02 form
  ['Show Name - 1x02 - Title.avi', ep(1, 2)],
  ['Show.Name.10x103.mkv', ep(10, 103)],
  ['Show Name 2x04-05.mkv', ep(2, 4, 5)],
  ['Show.Name.1920x1080.mkv', NONE],
  // Daily shows
  ['The.Daily.Show.2024.01.31.Guest.Name.720p.WEB.mkv', dated('2024-01-31')],
  ['The Daily Show - 2024-01-31 - Guest.mkv', dated('2024-01-31')],
  ['Late Night 2023 12 05.mkv', dated('2023-12-05')],
  ['Daily.2023-02-30.mkv', NONE],
  // Season-less markers (the season comes from the folder)
  ['Show Name - E05 - Title.mkv', ep(null, 5)],
  ['Show.Name.Ep.12.mkv', ep(null, 12)],
  ['Show Name Episode 7.mkv', ep(null, 7)],
  // Anime: absolute numbers are not seasons
  ['[SubsPlease] One Piece - 1071 (1080p) [ABCD1234].mkv', absolute(1071)],
  ['[Erai-raws] Shingeki no Kyojin - 103 [1080p].mkv', absolute(103)],
  ['Naruto Shippuden - 001.mkv', absolute(1)],
  ['Show Name - 12v2 [720p].mkv', absolute(12)],
  ['[Group] Show - S02E05 [1080p].mkv', ep(2, 5)],
  // Resolutions, codecs and movies are not episodes
  ['Show.Name.1080p.WEB-DL.x264.mkv', NONE],
  ['Show Name - 2160p.mkv', NONE],
  ['The.Matrix.1999.1080p.BluRay.x264.mkv', NONE],
  ['Show.Name.HEVC.x265.E-AC3.mkv', NONE],
  ['Extras/Behind the Scenes.mkv', NONE],
  // Samples
  ['show.name.s01e01.720p.sample.mkv', SAMPLE],
  ['Show.Name.S01E01-sample.mkv', SAMPLE],
  ['sample-show.name.s01e01.mkv', SAMPLE],
];

describe('parseEpisodeName', () => {
  it('holds at least 40 real-world names', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(FILES)('%s', (name, expected) => {
    const base = name.split('/').pop()!;
    expect(parseEpisodeName(base)).toEqual(expected);
  });
});

describe('looksLikeEpisode (what a movie scan skips)', () => {
  it.each([
    ['Breaking.Bad.S01E01.1080p.mkv', true],
    ['Show - 1x02 - Title.avi', true],
    ['Show.S01E02E03.mkv', true],
    ['The.Matrix.1999.1080p.mkv', false],
    ['1917 (2019).mkv', false],
    ['2001.A.Space.Odyssey.1968.mkv', false],
    ['Concert.2019-06-01.mkv', false],
    ['Movie.1920x1080.mkv', false],
    ['Star Wars Episode IV - A New Hope (1977).mkv', false],
    ['The.US01E02.Movie.mkv', false],
  ])('%s → %s', (name, expected) => {
    expect(looksLikeEpisode(name)).toBe(expected);
  });
});

describe('parseSeasonFolder', () => {
  it.each([
    ['Season 01', 1],
    ['Season 1', 1],
    ['season.02', 2],
    ['Season 00', 0],
    ['Specials', 0],
    ['Special', 0],
    ['S03', 3],
    ['Series 4', 4],
    ['Season 2024', 2024],
    ['Extras', null],
    ['Season One', null],
    ['Featurettes', null],
  ])('%s → %s', (name, expected) => {
    expect(parseSeasonFolder(name)).toBe(expected);
  });
});

describe('parseShowFolder', () => {
  it.each([
    ['Breaking Bad (2008)', 'Breaking Bad', 2008, {}],
    ['Doctor Who (2005)', 'Doctor Who', 2005, {}],
    ['Doctor Who (1963)', 'Doctor Who', 1963, {}],
    ['9-1-1', '9-1-1', null, {}],
    ['9-1-1 (2018)', '9-1-1', 2018, {}],
    ['The Office (US)', 'The Office (US)', null, {}],
    ['1883 (2021)', '1883', 2021, {}],
    ['Breaking Bad (2008) {tvdb-81189}', 'Breaking Bad', 2008, { tvdb: '81189' }],
    ['Breaking Bad (2008) [tmdbid-1396]', 'Breaking Bad', 2008, { tmdb: '1396' }],
    ['Breaking Bad (2008) [imdbid-tt0903747]', 'Breaking Bad', 2008, { imdb: 'tt0903747' }],
  ])('%s', (name, title, year, idHints) => {
    expect(parseShowFolder(name)).toEqual({ title, year, idHints });
  });
});
