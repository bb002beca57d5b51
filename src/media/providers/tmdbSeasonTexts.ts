/**
 * A season's texts across the languages TMDB was asked in. TMDB answers a season in one
 * language, with an empty overview where no one translated it and a placeholder name for
 * an untranslated episode ("Episode 3"; "Epizóda 3" in Slovak), while it names seasons it
 * has no real name for generically ("Season 2", "Staffel 2"). Kodi's TMDB TV scraper asks
 * English again in those cases (xbmc/metadata.tvshows.themoviedb.org.python, `tmdb.py`);
 * the series provider does too, then the original language, and merges the answers here.
 */
import { firstText } from './tmdbLanguage.js';
import type { TmdbSeason } from './tmdbTvSchemas.js';

/**
 * TMDB's name for a season it has no real name for: "Season 2", "Staffel 2", "Specials".
 * Such a name is left out, so that Kodi shows its own, translated one.
 */
export function isGenericSeasonName(name: string | null | undefined, seasonNumber: number): boolean {
  if (!name) return true;
  const text = name.trim();
  return new RegExp(`^\\S+\\s+0*${seasonNumber}$`, 'u').test(text) || (seasonNumber === 0 && /^specials$/i.test(text));
}

/** TMDB's placeholder for an episode without a name in the asked language: one word and the episode's number. */
export function isPlaceholderEpisodeName(name: string | null | undefined, episodeNumber: number): boolean {
  return !name || new RegExp(`^\\S+\\s+0*${episodeNumber}$`, 'u').test(name.trim());
}

/** One season from answers in several languages, best first: each text from the first answer that has it. */
export function mergeSeasonAnswers(answers: readonly TmdbSeason[]): TmdbSeason {
  const [first, ...rest] = answers;
  if (!first) throw new RangeError('A season needs at least one answer');
  const byNumber = (answer: TmdbSeason, number: number) => answer.episodes?.find((e) => e.episode_number === number);
  return {
    ...first,
    name: [first, ...rest].map((a) => a.name).find((name) => !isGenericSeasonName(name, first.season_number)) ?? first.name ?? null,
    overview: firstText(...answers.map((a) => a.overview)),
    episodes: (first.episodes ?? []).map((episode) => {
      const all = answers.map((a) => byNumber(a, episode.episode_number));
      return {
        ...episode,
        name: all.map((e) => e?.name).find((name) => !isPlaceholderEpisodeName(name, episode.episode_number)) ?? episode.name ?? null,
        overview: firstText(...all.map((e) => e?.overview)),
      };
    }),
  };
}

/** Does a season miss texts another language may have: its overview, an episode's overview or real name? */
export function missesTexts(season: TmdbSeason): boolean {
  return (
    !season.overview?.trim() ||
    (season.episodes ?? []).some((e) => !e.overview?.trim() || isPlaceholderEpisodeName(e.name, e.episode_number))
  );
}
