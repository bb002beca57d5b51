import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../../src/errors.js';
import { describePhases } from '../../src/phases/describe.js';
import { phaseDefaults } from '../../src/phases/phaseConfig.js';
import {
  DEFAULT_PHASE_CONFIG,
  enrichmentConfigSchema,
  MEDIA_PHASE_SCHEMAS,
  playerSyncConfigSchema,
  publishConfigSchema,
  scanConfigSchema,
} from '../../src/media/phases.js';
import { ISO_3166_1_CODES } from '../../src/media/countries.js';
import { ISO_639_1_CODES } from '../../src/media/languages.js';

describe('DEFAULT_PHASE_CONFIG', () => {
  it('holds the documented defaults', () => {
    expect(DEFAULT_PHASE_CONFIG.enrichment).toEqual({
      fetchProviderAssets: true,
      autoSelectAssets: true,
      maxPoster: 3,
      maxFanart: 5,
      maxLogo: 2,
      maxTrailer: 1,
      maxEpisodeThumb: 1,
      language: 'en',
      certificationCountry: 'US',
      minResolution: 720,
    });
    expect(DEFAULT_PHASE_CONFIG.publish).toEqual({ assets: true, actors: true, trailers: false });
    expect(DEFAULT_PHASE_CONFIG.playerSync).toEqual({ notify: true, delaySeconds: 0, cleanFirst: false, maxWaitSeconds: 600 });
    expect(DEFAULT_PHASE_CONFIG.scan.minFileSizeMB).toBe(50);
    expect(DEFAULT_PHASE_CONFIG.scan.maxFileSizeGB).toBe(100);
    expect(DEFAULT_PHASE_CONFIG.scan.videoExtensions).toEqual(expect.arrayContaining(['mkv', 'mp4', 'avi', 'm4v', 'mov', 'ts', 'wmv']));
    expect(Object.keys(DEFAULT_PHASE_CONFIG)).toEqual(['scan', 'enrichment', 'publish', 'playerSync']);
  });

  it('is deeply frozen', () => {
    expect(Object.isFrozen(DEFAULT_PHASE_CONFIG)).toBe(true);
    expect(Object.isFrozen(DEFAULT_PHASE_CONFIG.scan.ignorePatterns)).toBe(true);
    expect(() => {
      DEFAULT_PHASE_CONFIG.scan.ignorePatterns.push('x');
    }).toThrow(TypeError);
  });

  it('parses to fresh copies: a parsed default list is not shared with the next parse', () => {
    const a = scanConfigSchema.parse({});
    a.videoExtensions.push('xyz');
    expect(scanConfigSchema.parse({}).videoExtensions).not.toContain('xyz');
  });
});

describe('default scan.ignorePatterns', () => {
  // Matched as the scan phase matches them: dot files included, case-insensitive.
  const ignored = picomatch([...DEFAULT_PHASE_CONFIG.scan.ignorePatterns], { dot: true, nocase: true });
  it.each([
    'Movie (2010)/Sample/movie-sample.mkv',
    'Movie (2010)/sample/clip.mkv',
    'Movie (2010)/Samples/clip.mkv',
    'Movie (2010)/movie.sample.mkv',
    'Movie (2010)/movie-sample.mkv',
    'Movie (2010)/Movie.mkv.part',
    'Movie (2010)/Movie.mkv.!qB',
    'Movie (2010)/Movie.mkv.crdownload',
    'Movie (2010)/.hidden.mkv',
    '.recycle/Movie (2010)/Movie.mkv',
    'Movie (2010)/.actors/x.mkv',
    'Movie (2010)/SAMPLE/x.mkv',
  ])('ignores %s', (p) => {
    expect(ignored(p)).toBe(true);
  });
  it.each(['Movie (2010)/Movie (2010).mkv', 'Samsara (2011)/Samsara (2011).mkv', 'Sampler (2020)/Sampler.mp4'])('keeps %s', (p) => {
    expect(ignored(p)).toBe(false);
  });
});

describe('ranges', () => {
  const rejects = (schema: z.ZodObject, value: Record<string, unknown>, path: string) => {
    const result = schema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  };

  it.each(['maxPoster', 'maxFanart', 'maxLogo', 'maxTrailer', 'maxEpisodeThumb'])('%s is a whole number 0..50', (key) => {
    expect(enrichmentConfigSchema.parse({ [key]: 0 })[key as 'maxPoster']).toBe(0);
    expect(enrichmentConfigSchema.parse({ [key]: 50 })[key as 'maxPoster']).toBe(50);
    rejects(enrichmentConfigSchema, { [key]: -1 }, key);
    rejects(enrichmentConfigSchema, { [key]: 51 }, key);
    rejects(enrichmentConfigSchema, { [key]: 1.5 }, key);
    rejects(enrichmentConfigSchema, { [key]: '3' }, key);
  });

  it('delaySeconds is a whole number 0..3600', () => {
    expect(playerSyncConfigSchema.parse({ delaySeconds: 3600 }).delaySeconds).toBe(3600);
    rejects(playerSyncConfigSchema, { delaySeconds: 3601 }, 'delaySeconds');
    rejects(playerSyncConfigSchema, { delaySeconds: -1 }, 'delaySeconds');
    rejects(playerSyncConfigSchema, { delaySeconds: 0.5 }, 'delaySeconds');
  });

  it('minResolution is a height 0..8640', () => {
    for (const h of [0, 480, 576, 720, 1080, 1440, 2160, 4320, 8640]) {
      expect(enrichmentConfigSchema.parse({ minResolution: h }).minResolution).toBe(h);
    }
    rejects(enrichmentConfigSchema, { minResolution: 8641 }, 'minResolution');
    rejects(enrichmentConfigSchema, { minResolution: -720 }, 'minResolution');
    rejects(enrichmentConfigSchema, { minResolution: 720.5 }, 'minResolution');
  });

  it('language is an ISO 639-1 code; case and spaces are normalised', () => {
    expect(enrichmentConfigSchema.parse({ language: 'de' }).language).toBe('de');
    expect(enrichmentConfigSchema.parse({ language: ' FR ' }).language).toBe('fr');
    for (const bad of ['eng', 'zz', 'e', '', 'en-US', 'xx']) rejects(enrichmentConfigSchema, { language: bad }, 'language');
    expect(ISO_639_1_CODES).toHaveLength(184);
  });

  it('certificationCountry is an ISO 3166-1 alpha-2 code; case and spaces are normalised', () => {
    expect(enrichmentConfigSchema.parse({ certificationCountry: 'DE' }).certificationCountry).toBe('DE');
    expect(enrichmentConfigSchema.parse({ certificationCountry: ' gb ' }).certificationCountry).toBe('GB');
    // 'UK' is a common slip for GB; 'EN' a language, not a country.
    for (const bad of ['UK', 'EN', 'USA', 'D', '', 'de-DE', 'XX']) {
      rejects(enrichmentConfigSchema, { certificationCountry: bad }, 'certificationCountry');
    }
    expect(ISO_3166_1_CODES).toHaveLength(249);
    expect([...ISO_3166_1_CODES].sort()).toEqual(ISO_3166_1_CODES);
  });

  it('scan sizes are non-negative and the minimum fits under the maximum', () => {
    rejects(scanConfigSchema, { minFileSizeMB: -1 }, 'minFileSizeMB');
    rejects(scanConfigSchema, { maxFileSizeGB: -1 }, 'maxFileSizeGB');
    rejects(scanConfigSchema, { minFileSizeMB: 2049, maxFileSizeGB: 2 }, 'minFileSizeMB');
    expect(scanConfigSchema.parse({ minFileSizeMB: 2048, maxFileSizeGB: 2 }).minFileSizeMB).toBe(2048);
    // 0 GB means no maximum, so any minimum fits.
    expect(scanConfigSchema.parse({ minFileSizeMB: 500_000, maxFileSizeGB: 0 }).maxFileSizeGB).toBe(0);
  });

  it('videoExtensions are bare, unique and not empty; case is normalised', () => {
    expect(scanConfigSchema.parse({ videoExtensions: ['MKV', 'mp4'] }).videoExtensions).toEqual(['mkv', 'mp4']);
    rejects(scanConfigSchema, { videoExtensions: [] }, 'videoExtensions');
    rejects(scanConfigSchema, { videoExtensions: ['.mkv'] }, 'videoExtensions.0');
    rejects(scanConfigSchema, { videoExtensions: ['mkv', 'MKV'] }, 'videoExtensions');
  });

  it('ignorePatterns are non-empty strings', () => {
    rejects(scanConfigSchema, { ignorePatterns: [''] }, 'ignorePatterns.0');
    rejects(scanConfigSchema, { ignorePatterns: 'x' }, 'ignorePatterns');
    expect(scanConfigSchema.parse({ ignorePatterns: [] }).ignorePatterns).toEqual([]);
  });

  it('publish settings are booleans', () => {
    rejects(publishConfigSchema, { trailers: 'true' }, 'trailers');
    expect(publishConfigSchema.parse({ trailers: true }).trailers).toBe(true);
  });

  it('unknown keys are rejected (no silent typos)', () => {
    rejects(publishConfigSchema, { trailer: true }, '');
  });
});

describe('phaseDefaults', () => {
  it('names every field without a default', () => {
    const schemas = { mine: z.strictObject({ a: z.number(), b: z.boolean().default(false), c: z.string() }) };
    const error: unknown = (() => {
      try {
        phaseDefaults(schemas);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['mine.a', 'mine.c']);
  });
});

describe('describePhases', () => {
  const described = describePhases(MEDIA_PHASE_SCHEMAS);

  it('describes every phase and field, in schema order, as plain JSON', () => {
    expect(described.map((p) => p.phase)).toEqual(Object.keys(MEDIA_PHASE_SCHEMAS));
    expect(JSON.parse(JSON.stringify(described))).toEqual(described);
    for (const phase of described) {
      expect(phase.description.length).toBeGreaterThan(10);
      const schema = MEDIA_PHASE_SCHEMAS[phase.phase as keyof typeof MEDIA_PHASE_SCHEMAS];
      expect(phase.fields.map((f) => f.key)).toEqual(Object.keys(schema.shape));
      for (const field of phase.fields) {
        expect(field.description.length, field.setting).toBeGreaterThan(10);
        const defaults = DEFAULT_PHASE_CONFIG[phase.phase as keyof typeof DEFAULT_PHASE_CONFIG] as Record<string, unknown>;
        expect(field.default, field.setting).toEqual(defaults[field.key]);
        expect(field.setting).toBe(`${phase.phase}.${field.key}`);
        expect(field.storedKey).toBe(`phase.${phase.phase}.${field.key}`);
      }
    }
  });

  it('gives types and limits a form can use', () => {
    const field = (setting: string) => described.flatMap((p) => p.fields).find((f) => f.setting === setting);
    expect(field('enrichment.maxPoster')).toMatchObject({ type: 'integer', default: 3, min: 0, max: 50 });
    expect(field('playerSync.delaySeconds')).toMatchObject({ type: 'integer', min: 0, max: 3600 });
    expect(field('enrichment.minResolution')).toMatchObject({ type: 'integer', min: 0, max: 8640 });
    expect(field('scan.minFileSizeMB')).toMatchObject({ type: 'number', min: 0 });
    expect(field('publish.trailers')).toMatchObject({ type: 'boolean', default: false });
    expect(field('enrichment.language')).toMatchObject({ type: 'string', default: 'en' });
    expect(field('enrichment.certificationCountry')).toMatchObject({ type: 'string', default: 'US' });
    expect(field('scan.videoExtensions')).toMatchObject({ type: 'string[]', min: 1, max: 100, pattern: '^[a-z0-9]{1,10}$' });
    expect(field('scan.ignorePatterns')).toMatchObject({ type: 'string[]', max: 200 });
  });

  it('lists enum options of host schemas', () => {
    const [phase] = describePhases({
      render: z
        .strictObject({
          quality: z.enum(['low', 'high']).default('high').describe('Output quality.'),
          tags: z
            .array(z.enum(['a', 'b']))
            .default([])
            .describe('Tags.'),
          extra: z.object({ x: z.number() }).default({ x: 1 }).describe('Anything else.'),
        })
        .describe('Render phase.'),
    });
    expect(phase).toEqual({
      phase: 'render',
      description: 'Render phase.',
      fields: [
        expect.objectContaining({ key: 'quality', type: 'enum', options: ['low', 'high'], default: 'high' }),
        expect.objectContaining({ key: 'tags', type: 'string[]', options: ['a', 'b'], default: [] }),
        expect.objectContaining({ key: 'extra', type: 'json', default: { x: 1 }, description: 'Anything else.' }),
      ],
    });
  });
});
