/**
 * How the enrich phase ranks and keeps artwork candidates (pickCandidates), as Kodi's TMDB
 * scraper would choose: textless fanart first, posters and logos in the wanted language
 * then English, trailers kept whatever their resolution, votes weighed by their count.
 */
import { describe, expect, it } from 'vitest';
import { type AssetRules, pickCandidates } from '../../../src/media/ranking.js';
import type { ArtworkCandidate } from '../../../src/media/types.js';

const RULES: AssetRules = {
  fetchProviderAssets: true,
  autoSelectAssets: true,
  maxPoster: 10,
  maxFanart: 10,
  maxLogo: 10,
  maxTrailer: 10,
  language: 'de',
  minResolution: 720,
};

const art = (
  kind: ArtworkCandidate['kind'],
  name: string,
  language: string | null,
  extra: Partial<ArtworkCandidate> = {},
): ArtworkCandidate => ({
  kind,
  url: `https://img.example/${name}`,
  language,
  width: 1920,
  height: 1080,
  votes: 5,
  ...extra,
});

const names = (list: ArtworkCandidate[], kind: ArtworkCandidate['kind']) =>
  list.filter((c) => c.kind === kind).map((c) => c.url.replace('https://img.example/', ''));

describe('candidate ranking', () => {
  it('puts textless fanart first, then the wanted language, then English, then others', () => {
    const kept = pickCandidates(
      [
        art('fanart', 'fr', 'fr', { width: 3840, height: 2160 }),
        art('fanart', 'en', 'en', { width: 3840, height: 2160 }),
        art('fanart', 'de', 'de', { width: 3840, height: 2160 }),
        art('fanart', 'textless', null),
      ],
      RULES,
    );
    expect(names(kept, 'fanart')).toEqual(['textless', 'de', 'en', 'fr']);
    expect(kept.find((c) => c.selected && c.kind === 'fanart')?.url).toBe('https://img.example/textless');
  });

  it('puts posters and logos in the wanted language first, then English, then textless', () => {
    const kept = pickCandidates(
      [
        art('poster', 'textless', null, { width: 2000, height: 3000 }),
        art('poster', 'en', 'en', { width: 2000, height: 3000 }),
        art('poster', 'de', 'de', { width: 1000, height: 1500 }),
        art('clearlogo', 'en-logo', 'en', { width: 800, height: 310 }),
        art('clearlogo', 'de-logo', 'de', { width: 400, height: 155 }),
      ],
      RULES,
    );
    expect(names(kept, 'poster')).toEqual(['de', 'en', 'textless']);
    expect(names(kept, 'clearlogo')).toEqual(['de-logo', 'en-logo']);
  });

  it('breaks ties between equal scores by the number of votes', () => {
    const kept = pickCandidates(
      [
        art('fanart', 'few', null, { votes: 5.3, voteCount: 1 }),
        art('fanart', 'better', null, { votes: 5.4, voteCount: 2 }),
        art('fanart', 'many', null, { votes: 5.3, voteCount: 40 }),
      ],
      RULES,
    );
    expect(names(kept, 'fanart')).toEqual(['better', 'many', 'few']);
  });

  it('keeps trailers below minResolution (the setting is for images), official ones first', () => {
    const kept = pickCandidates(
      [
        art('trailer', 'fan-1080', 'de', { votes: 0 }),
        art('trailer', 'official-480', 'de', { width: 854, height: 480, votes: 1 }),
        art('trailer', 'english', 'en', { votes: 1 }),
        art('poster', 'small-poster', 'de', { width: 400, height: 600 }),
      ],
      RULES,
    );
    expect(names(kept, 'trailer')).toEqual(['official-480', 'fan-1080', 'english']);
    expect(names(kept, 'poster')).toEqual([]);
  });
});
