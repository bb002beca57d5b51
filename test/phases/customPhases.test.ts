import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../../src/errors.js';
import type { EnrichmentConfig } from '../../src/media/phases.js';
import { PhaseConfigService } from '../../src/phases/PhaseConfigService.js';
import { MemorySettingsStore } from '../../src/backends/memory/settings.js';
import { MEDIA_PHASE_SCHEMAS } from '../../src/media/phases.js';

const services: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});

function track<T extends { close(): Promise<void> }>(service: T): T {
  services.push(service);
  return service;
}

async function rejection(promise: Promise<unknown>): Promise<ValidationError> {
  const error: unknown = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe('PhaseConfigService with host schemas', () => {
  const mySchemas = {
    transcode: z
      .strictObject({
        preset: z.enum(['fast', 'slow']).default('fast').describe('Encoder preset.'),
        crf: z.number().int().min(0).max(51).default(23).describe('Quality.'),
        tags: z.array(z.string()).default([]).describe('Tags.'),
        limits: z.object({ cpu: z.number() }).default({ cpu: 2 }).describe('Resource limits.'),
      })
      .describe('Transcode.'),
  };

  it('uses the given phases and types follow the schemas', async () => {
    const phases = track(new PhaseConfigService({ store: new MemorySettingsStore(), phases: mySchemas }));
    const config = await phases.getConfig('transcode');
    expectTypeOf(config.preset).toEqualTypeOf<'fast' | 'slow'>();
    expectTypeOf(config.crf).toEqualTypeOf<number>();
    expect(config).toEqual({ preset: 'fast', crf: 23, tags: [], limits: { cpu: 2 } });
    await phases.set('transcode.preset', 'slow');
    await phases.set('transcode.crf', '18');
    await phases.set('transcode.limits', '{"cpu": 4}');
    expect(await phases.getConfig('transcode')).toEqual({ preset: 'slow', crf: 18, tags: [], limits: { cpu: 4 } });
    await rejection(phases.set('transcode.preset', 'medium'));
    // The media phases are not there, and a legacy switch names the host's settings.
    await rejection(phases.set('enrichment.maxPoster', 1));
    expect((await rejection(phases.set('workflow.enrichment', true))).message).toContain('transcode.crf');
    expect(phases.describe()[0]?.fields.map((f) => f.type)).toEqual(['enum', 'integer', 'string[]', 'json']);
    expect(await phases.store.getAll()).toEqual(
      new Map([
        ['phase.transcode.preset', 'slow'],
        ['phase.transcode.crf', '18'],
        ['phase.transcode.limits', '{"cpu":4}'],
      ]),
    );
  });

  it('without phases starts empty, typed with the declared phases, until a plugin registers them', async () => {
    const phases = track(new PhaseConfigService({ store: new MemorySettingsStore() }));
    expect(Object.keys(phases.schemas)).toEqual([]);
    await expect(phases.getConfig('enrichment')).rejects.toThrow(/no phase is registered/);
    phases.registerPhases(MEDIA_PHASE_SCHEMAS);
    expectTypeOf(await phases.getConfig('enrichment')).toEqualTypeOf<EnrichmentConfig>();
    expect(Object.keys(phases.schemas)).toEqual(['scan', 'enrichment', 'publish', 'playerSync']);
  });

  it('refuses schemas it cannot serve', () => {
    const store = new MemorySettingsStore();
    expect(() => new PhaseConfigService({ store, phases: { bad: z.strictObject({ a: z.number() }) } })).toThrow(
      /bad\.a has no \.default\(\)/,
    );
    expect(() => new PhaseConfigService({ store, phases: {} })).toThrow(ValidationError);
    expect(() => new PhaseConfigService({ store, phases: { 'a.b': z.strictObject({}) } })).toThrow(ValidationError);
    expect(
      () =>
        new PhaseConfigService({
          store,
          phases: { t: z.strictObject({ n: z.string().transform(Number).default(1) }) },
        }),
    ).toThrow(/do not parse again/);
    expect(() => new PhaseConfigService({} as never)).toThrow(ValidationError);
  });
});
