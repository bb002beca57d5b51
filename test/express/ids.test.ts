import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './harness.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('job ids that cannot exist', () => {
  it('are 404 on every job route, never 500', async () => {
    app = await startTestApp({ start: false });
    for (const id of ['abc', '-1', '1.5', '99999999999999999999', '%00', "1'--"]) {
      const get = await request(app.url).get(`/api/jobs/${id}`);
      expect([get.status, get.body.error?.code], `GET ${id}`).toEqual([404, 'NOT_FOUND']);
      const del = await request(app.url).delete(`/api/jobs/${id}`);
      expect([del.status, del.body.error?.code], `DELETE ${id}`).toEqual([404, 'NOT_FOUND']);
      const retry = await request(app.url).post(`/api/jobs/${id}/retry`);
      expect([retry.status, retry.body.error?.code], `retry ${id}`).toEqual([404, 'NOT_FOUND']);
    }
    expect(app.errors).toEqual([]);
  });
});
