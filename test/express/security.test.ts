import type { Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import express from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealthRouter, warnIfExposed } from '../../src/express.js';
import { startTestApp, type TestApp } from './harness.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const KEY = 'correct-horse-battery-staple';

describe('API key', () => {
  it('is required on every router when set, and compared exactly', async () => {
    app = await startTestApp({ apiKey: KEY });
    for (const path of ['/api/phase-config', '/api/jobs', '/api/jobs/stats', '/api/health', '/api/events']) {
      const none = await request(app.url).get(path).expect(401);
      expect(none.body.error.code).toBe('UNAUTHORIZED');
      expect(none.headers['www-authenticate']).toContain('Bearer');
    }
    const wrong = await request(app.url).get('/api/phase-config').set('Authorization', `Bearer ${KEY}x`).expect(401);
    expect(wrong.body.error.message).toContain('wrong');
    await request(app.url)
      .get('/api/phase-config')
      .set('Authorization', `Bearer ${KEY.slice(0, -1)}`)
      .expect(401);
    await request(app.url).get('/api/phase-config').set('Authorization', `Basic ${KEY}`).expect(401);
    await request(app.url).get('/api/phase-config').set('Authorization', `Bearer ${KEY}`).expect(200);
    await request(app.url).get('/api/phase-config').set('Authorization', `bearer ${KEY}`).expect(200);
  });

  it('guards mutations too: nothing changes without the key', async () => {
    app = await startTestApp({ apiKey: KEY, start: false });
    await request(app.url).patch('/api/phase-config/publish').send({ trailers: true }).expect(401);
    await request(app.url)
      .post('/api/jobs')
      .send({ type: 'echo', payload: { text: 'a' } })
      .expect(401);
    expect((await app.phases.getConfig('publish')).trailers).toBe(false);
    expect((await app.queue.getStats()).pending).toBe(0);
    await request(app.url).patch('/api/phase-config/publish').set('Authorization', `Bearer ${KEY}`).send({ trailers: true }).expect(200);
    expect((await app.phases.getConfig('publish')).trailers).toBe(true);
  });

  it('refuses a key that is too short to be one, at creation', async () => {
    app = await startTestApp({ start: false });
    expect(() => createHealthRouter({ queue: app!.queue }, { apiKey: 'short' })).toThrow(/apiKey/);
    expect(() => createHealthRouter({ queue: app!.queue }, { allowedOrigins: ['https://a.example/path'] })).toThrow(/allowedOrigins\.0/);
  });
});

describe('cross-site requests', () => {
  it('refuses mutating requests from another site, by Origin or Sec-Fetch-Site, and changes nothing', async () => {
    app = await startTestApp({ start: false });
    const byOrigin = await request(app.url)
      .patch('/api/phase-config/publish')
      .set('Origin', 'http://evil.example')
      .send({ trailers: true })
      .expect(403);
    expect(byOrigin.body.error).toMatchObject({ code: 'CROSS_SITE_REQUEST', details: { origin: 'http://evil.example' } });
    await request(app.url)
      .post('/api/jobs')
      .set('Sec-Fetch-Site', 'cross-site')
      .send({ type: 'echo', payload: { text: 'a' } })
      .expect(403);
    await request(app.url).post('/api/phase-config/reset').set('Origin', 'null').expect(403);
    await request(app.url).delete('/api/jobs/1').set('Sec-Fetch-Site', 'same-site').expect(403);
    expect((await app.phases.getConfig('publish')).trailers).toBe(false);
    expect((await app.queue.getStats()).pending).toBe(0);
  });

  it("lets the page's own origin, allowed origins and non-browser clients through", async () => {
    app = await startTestApp({ start: false, allowedOrigins: ['https://admin.example'] });
    await request(app.url)
      .patch('/api/phase-config/publish')
      .set('Origin', app.url)
      .set('Sec-Fetch-Site', 'same-origin')
      .send({ trailers: true })
      .expect(200);
    await request(app.url)
      .patch('/api/phase-config/publish')
      .set('Origin', 'https://admin.example')
      .set('Sec-Fetch-Site', 'cross-site')
      .send({ actors: false })
      .expect(200);
    await request(app.url).patch('/api/phase-config/publish').send({ assets: false }).expect(200);
    expect(await app.phases.getConfig('publish')).toEqual({ trailers: true, actors: false, assets: false });
  });

  it('sends no CORS headers, even to a cross-site read', async () => {
    app = await startTestApp({ start: false });
    const res = await request(app.url).get('/api/phase-config').set('Origin', 'http://evil.example').expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await request(app.url)
      .options('/api/phase-config/publish')
      .set('Origin', 'http://evil.example')
      .set('Access-Control-Request-Method', 'PATCH');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
  });
});

describe('unprotected public address', () => {
  async function listen(host: string): Promise<Server> {
    const server = express().listen(0, host);
    await new Promise((resolve) => server.once('listening', resolve));
    return server;
  }

  it('warns once when listening on all interfaces without a key, not on loopback or with a key', async () => {
    const warnings: unknown[] = [];
    const logger = { warn: (obj: object, msg?: string) => void warnings.push({ obj, msg }), error: () => {} };
    const open = await listen('0.0.0.0');
    const local = await listen('127.0.0.1');
    try {
      warnIfExposed(open, { logger });
      warnIfExposed(local, { logger });
      warnIfExposed(open, { logger, apiKey: KEY });
      expect(warnings).toEqual([
        { obj: expect.objectContaining({ address: '0.0.0.0' }), msg: expect.stringContaining('without an API key') },
      ]);
    } finally {
      open.close();
      local.close();
    }
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

  it.skipIf(external === undefined)('the routers warn once when a request arrives on a non-loopback address', async () => {
    app = await startTestApp({ start: false, host: '0.0.0.0' });
    const url = app.url.replace('127.0.0.1', external!);
    await request(app.url).get('/api/phase-config').expect(200);
    expect(app.warnings).toEqual([]);
    await request(url).get('/api/phase-config').expect(200);
    await request(url).get('/api/jobs').expect(200);
    await request(url).get('/api/health').expect(503);
    expect(app.warnings).toEqual([expect.stringContaining('without an API key')]);
  });
});
