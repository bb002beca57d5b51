/**
 * Test support: real TV shows as TMDB lists them (names, original names, first air dates,
 * countries, TVDB and IMDb ids of the well-known ones), for the fake TMDB. Chosen for what
 * makes matching shows hard: same-named shows of two countries told apart by a country in
 * the folder name or by year ("The Office (US)" 2005 / "(UK)" 2001, "Shameless", "House of
 * Cards"), reboots sharing a name ("Doctor Who" 1963, 2005, 2024; "Battlestar Galactica"
 * 1978 and 2004, which TheTVDB and Sonarr date 2003 by its miniseries), non-English
 * originals ("La casa de papel" / "Money Heist", "Dark"), punctuation ("9-1-1",
 * "Marvel's Agents of S.H.I.E.L.D.", "Law & Order"), and ids written in folder names.
 *
 * `popularity` puts the wrong show first where "take the first hit" would fail.
 */
import type { ProviderServerShow } from './tmdbTvRoutes.js';

type Entry = Omit<ProviderServerShow, 'seasons'> & Partial<Pick<ProviderServerShow, 'seasons'>>;

const show = (entry: Entry): ProviderServerShow => ({ originalLanguage: 'en', originCountry: ['US'], ...entry });

/** The catalogue. */
export const TMDB_SHOWS: ProviderServerShow[] = [
  show({ id: 1396, name: 'Breaking Bad', firstAirDate: '2008-01-20', tvdbId: 81189, imdbId: 'tt0903747', popularity: 200 }),
  show({
    id: 2316,
    name: 'The Office',
    firstAirDate: '2005-03-24',
    tvdbId: 73244,
    imdbId: 'tt0386676',
    alternativeTitles: ['The Office (US)'],
    popularity: 150,
  }),
  show({
    id: 2996,
    name: 'The Office',
    firstAirDate: '2001-07-09',
    originCountry: ['GB'],
    tvdbId: 78107,
    imdbId: 'tt0290978',
    alternativeTitles: ['The Office (UK)'],
    popularity: 60,
  }),
  show({
    id: 57243,
    name: 'Doctor Who',
    firstAirDate: '2005-03-26',
    originCountry: ['GB'],
    tvdbId: 78804,
    imdbId: 'tt0436992',
    popularity: 120,
  }),
  show({
    id: 121,
    name: 'Doctor Who',
    firstAirDate: '1963-11-23',
    originCountry: ['GB'],
    tvdbId: 76107,
    imdbId: 'tt0056751',
    popularity: 60,
  }),
  show({ id: 239770, name: 'Doctor Who', firstAirDate: '2024-05-10', originCountry: ['GB'], popularity: 180 }),
  show({ id: 1972, name: 'Battlestar Galactica', firstAirDate: '2004-10-18', tvdbId: 73545, popularity: 70 }),
  show({ id: 501, name: 'Battlestar Galactica', firstAirDate: '1978-09-17', popularity: 30 }),
  show({ id: 19885, name: 'Sherlock', firstAirDate: '2010-07-25', originCountry: ['GB'], imdbId: 'tt1475582', popularity: 90 }),
  show({
    id: 70523,
    name: 'Dark',
    originalName: 'Dark',
    originalLanguage: 'de',
    firstAirDate: '2017-12-01',
    originCountry: ['DE'],
    popularity: 80,
  }),
  show({
    id: 71446,
    name: 'Money Heist',
    originalName: 'La casa de papel',
    originalLanguage: 'es',
    firstAirDate: '2017-05-02',
    originCountry: ['ES'],
    popularity: 110,
  }),
  show({ id: 34307, name: 'Shameless', firstAirDate: '2011-01-09', popularity: 100 }),
  show({ id: 1906, name: 'Shameless', firstAirDate: '2004-01-13', originCountry: ['GB'], popularity: 40 }),
  show({ id: 1425, name: 'House of Cards', firstAirDate: '2013-02-01', popularity: 90 }),
  show({ id: 37858, name: 'House of Cards', firstAirDate: '1990-11-18', originCountry: ['GB'], popularity: 20 }),
  show({ id: 60622, name: 'Fargo', firstAirDate: '2014-04-15', popularity: 80 }),
  show({ id: 75219, name: '9-1-1', firstAirDate: '2018-01-03', popularity: 120 }),
  show({
    id: 1403,
    name: "Marvel's Agents of S.H.I.E.L.D.",
    firstAirDate: '2013-09-24',
    alternativeTitles: ['Agents of S.H.I.E.L.D.'],
    popularity: 70,
  }),
  show({ id: 655, name: 'Star Trek: The Next Generation', firstAirDate: '1987-09-28', popularity: 60 }),
  show({ id: 549, name: 'Law & Order', firstAirDate: '1990-09-13', popularity: 90 }),
  show({ id: 4607, name: 'Lost', firstAirDate: '2004-09-22', popularity: 100 }),
  show({ id: 63639, name: 'The Expanse', firstAirDate: '2015-12-14', tvdbId: 280619, popularity: 70 }),
];

/**
 * Show folder names as they are found in real TV libraries, and the TMDB id each must be
 * matched to; null where no show may be matched (a near miss: a real show shares the
 * name, the year or the country, but it is not this one).
 */
export const SHOW_FOLDER_EXPECTATIONS: readonly (readonly [folder: string, tmdbId: number | null])[] = [
  ['Breaking Bad (2008)', 1396],
  ['Breaking.Bad.2008', 1396],
  ['Breaking Bad', 1396],
  // A country behind the title, as TheTVDB and Sonarr name these shows, or the year alone.
  ['The Office (US)', 2316],
  ['The Office (US) (2005)', 2316],
  ['The Office (UK)', 2996],
  ['The Office (UK) (2001)', 2996],
  ['The Office (2005)', 2316],
  ['The Office (2001)', 2996],
  ['Shameless (US)', 34307],
  ['Shameless (UK) (2004)', 1906],
  ['House of Cards (US) (2013)', 1425],
  ['House of Cards (1990)', 37858],
  // Reboots: the year decides, within one year.
  ['Doctor Who (2005)', 57243],
  ['Doctor.Who.2005', 57243],
  ['Doctor Who (1963)', 121],
  ['Doctor Who (2023)', 239770],
  ['Battlestar Galactica (2003)', 1972],
  ['Battlestar Galactica (1978)', 501],
  ['Sherlock (2010)', 19885],
  // Original and English names; punctuation.
  ['Dark (2017)', 70523],
  ['La Casa de Papel (2017)', 71446],
  ['Money Heist (2017)', 71446],
  ['9-1-1 (2018)', 75219],
  ["Marvel's Agents of S.H.I.E.L.D. (2013)", 1403],
  ['Agents of S.H.I.E.L.D. (2013)', 1403],
  ['Star Trek - The Next Generation (1987)', 655],
  ['Law & Order (1990)', 549],
  ['Fargo (2014)', 60622],
  ['Lost (2004)', 4607],
  // Ids written by media managers: looked up first, whatever the title says.
  ['Breaking Bad (2008) {tvdb-81189}', 1396],
  ['Some Other Name {tvdb-81189}', 1396],
  ['Some Other Name [imdbid-tt0903747]', 1396],
  ['Wrong Name {tmdb-63639}', 63639],
  // An id TMDB does not know falls back to the title.
  ['The Expanse (2015) {tmdb-999999999}', 63639],
  ['Sherlock (2010) {tvdb-99999999}', 19885],
  // Near misses.
  ['Doctor Who (1990)', null],
  ['Fargo (1996)', null],
  ['The Office (2010)', null],
  ['The Office (AU) (2024)', null],
  ['House of Cards (UK) (2013)', null],
  ['Battlestar Galactica (1980)', null],
  ['Breaking Bad (2013)', null],
  ['Lost Girl (2010)', null],
  ['Sherlock Holmes (1984)', null],
  ['A Show Nobody Made (2015)', null],
];
