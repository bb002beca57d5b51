import net, { type AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { sseHandler } from '../../src/express.js';
import { startTestApp, type TestApp } from './harness.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('event stream and a client that stops reading', () => {
  it('is closed once the client falls too far behind, and lets go of the queue', async () => {
    app = await startTestApp({ start: false });
    const queue = app.queue;
    const server = express()
      .get('/events', sseHandler(queue, { maxBufferedBytes: 64 * 1024 }))
      .listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const before = queue.listenerCount('job:added');
    try {
      // A raw socket that sends the request and then reads nothing: the kernel buffers fill
      // and the server's write buffer grows.
      const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.on('error', () => {});
      socket.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      socket.pause();
      while (queue.listenerCount('job:added') === before) await new Promise((r) => setTimeout(r, 10));
      // Each job:added event is about half a kilobyte: add far more than socket buffers hold.
      for (let round = 0; round < 100 && queue.listenerCount('job:added') > before; round++) {
        await queue.addJobs(
          Array.from({ length: 1000 }, (_, i) => ({ type: 'echo', payload: { text: `${round}-${i}`.padEnd(100, 'x') } })),
        );
      }
      expect(queue.listenerCount('job:added')).toBe(before);
      socket.resume();
      await closed;
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
