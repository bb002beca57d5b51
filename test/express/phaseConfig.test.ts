import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './harness.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('phase configuration routes', () => {
  it('GET /api/phase-config returns all four phases with their defaults', async () => {
    app = await startTestApp();
    const res = await request(app.url).get('/api/phase-config').expect(200);
    expect(Object.keys(res.body)).toEqual(['scan', 'enrichment', 'publish', 'playerSync']);
    expect(res.body.enrichment.maxPoster).toBe(3);
    expect(res.body.scan.videoExtensions).toContain('mkv');
  });

  it('GET /api/phase-config/describe returns every field with type, range and options', async () => {
    app = await startTestApp();
    const res = await request(app.url).get('/api/phase-config/describe').expect(200);
    expect(res.body.map((p: { phase: string }) => p.phase)).toEqual(['scan', 'enrichment', 'publish', 'playerSync']);
    const enrichment = res.body.find((p: { phase: string }) => p.phase === 'enrichment');
    const maxPoster = enrichment.fields.find((f: { key: string }) => f.key === 'maxPoster');
    expect(maxPoster).toMatchObject({ setting: 'enrichment.maxPoster', type: 'integer', default: 3, min: 0, max: 50 });
  });

  it('GET /api/phase-config/:phase returns one phase; an unknown phase is 404', async () => {
    app = await startTestApp();
    const res = await request(app.url).get('/api/phase-config/publish').expect(200);
    expect(res.body).toEqual({ assets: true, actors: true, trailers: false });
    const missing = await request(app.url).get('/api/phase-config/nope').expect(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    expect(missing.body.error.message).toContain('nope');
  });

  it('PATCH changes the given fields, returns the phase and stores it', async () => {
    app = await startTestApp();
    const res = await request(app.url).patch('/api/phase-config/enrichment').send({ maxPoster: 7, language: 'de' }).expect(200);
    expect(res.body).toMatchObject({ maxPoster: 7, language: 'de', maxFanart: 5 });
    expect((await app.phases.getConfig('enrichment')).maxPoster).toBe(7);
    const again = await request(app.url).get('/api/phase-config/enrichment').expect(200);
    expect(again.body.language).toBe('de');
  });

  it('PATCH with bad values is 400 with one issue per bad field, and stores nothing', async () => {
    app = await startTestApp();
    const res = await request(app.url)
      .patch('/api/phase-config/enrichment')
      .send({ maxPoster: 99, language: 'xx', maxFanart: 2 })
      .expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    const paths = res.body.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['enrichment.language', 'enrichment.maxPoster']);
    const config = await app.phases.getConfig('enrichment');
    expect(config).toMatchObject({ maxPoster: 3, language: 'en', maxFanart: 5 });
  });

  it('PATCH refuses unknown fields, non-object bodies and unknown phases', async () => {
    app = await startTestApp();
    const unknown = await request(app.url).patch('/api/phase-config/publish').send({ colour: 'red' }).expect(400);
    expect(unknown.body.error.details[0].path).toContain('colour');
    const list = await request(app.url).patch('/api/phase-config/publish').send([1, 2]).expect(400);
    expect(list.body.error.code).toBe('VALIDATION_ERROR');
    const scalar = await request(app.url).patch('/api/phase-config/publish').type('json').send('"yes"').expect(400);
    expect(scalar.body.error.details[0].message).toContain('string');
    const empty = await request(app.url).patch('/api/phase-config/publish').expect(400);
    expect(empty.body.error.details[0].message).toContain('no body');
    await request(app.url).patch('/api/phase-config/nope').send({ a: 1 }).expect(404);
  });

  it('POST /reset puts one phase or all phases back to defaults', async () => {
    app = await startTestApp();
    await app.phases.setPhase('enrichment', { maxPoster: 9 });
    await app.phases.setPhase('publish', { trailers: true });
    const one = await request(app.url).post('/api/phase-config/reset').send({ phase: 'enrichment' }).expect(200);
    expect(one.body.maxPoster).toBe(3);
    expect((await app.phases.getConfig('publish')).trailers).toBe(true);
    const all = await request(app.url).post('/api/phase-config/reset').expect(200);
    expect(all.body.publish.trailers).toBe(false);
    expect((await app.phases.getConfig('publish')).trailers).toBe(false);
  });

  it('POST /reset refuses an unknown phase or field', async () => {
    app = await startTestApp();
    await app.phases.setPhase('publish', { trailers: true });
    const bad = await request(app.url).post('/api/phase-config/reset').send({ phase: 'nope' }).expect(400);
    expect(bad.body.error.details).toEqual([{ path: 'phase', message: expect.stringContaining('enrichment') }]);
    const extra = await request(app.url)
      .post('/api/phase-config/reset')
      .send({ phases: ['scan'] })
      .expect(400);
    expect(extra.body.error.details[0].path).toBe('phases');
    expect((await app.phases.getConfig('publish')).trailers).toBe(true);
  });
});
