/**
 * The example server (`npm start`): the phaseq REST API and the settings dashboard over
 * one SQLite file, with a small demo library scanned against a local catalogue.
 *
 * Environment:
 * - `PORT` (default 3000; 0 picks a free port), `HOST` (default 127.0.0.1)
 * - `PHASEQ_DATA`: folder of the database and the demo library (default ./data)
 * - `PHASEQ_API_KEY`: when set, the API needs `Authorization: Bearer <key>`
 * - `PHASEQ_WEBHOOK_SECRET`: when set, Radarr/Sonarr webhooks are accepted with this secret
 * - `PHASEQ_WEBHOOK_LIBRARY`: the demo movie library's folder as Radarr sees it (default /movies)
 * - `PHASEQ_WEBHOOK_TV_LIBRARY`: the demo TV library's folder as Sonarr sees it (default /tv)
 * - `PHASEQ_PLAYERS_FILE` or `PHASEQ_PLAYERS`: the media players to keep in sync, a JSON list (default none)
 * - `LOG_LEVEL`: pino level (default info)
 *
 * SIGTERM or SIGINT stops it gracefully: no new requests, running jobs finish, exit 0.
 */
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pino } from 'pino';
import { warnIfExposed } from '../../src/express.js';
import { createExampleApp } from './app.js';
import { playersFromEnv } from './players.js';

const logger = pino({ name: 'phaseq-example', level: process.env.LOG_LEVEL ?? 'info' });
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const dataDir = path.resolve(process.env.PHASEQ_DATA ?? './data');
const apiKey = process.env.PHASEQ_API_KEY || undefined;
const webhookSecret = process.env.PHASEQ_WEBHOOK_SECRET || undefined;
const webhookLibraryPath = process.env.PHASEQ_WEBHOOK_LIBRARY || undefined;
const webhookTvLibraryPath = process.env.PHASEQ_WEBHOOK_TV_LIBRARY || undefined;

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  logger.fatal({ port: process.env.PORT }, 'PORT must be a whole number from 0 to 65535');
  process.exit(2);
}

const example = await Promise.resolve()
  .then(() =>
    createExampleApp({
      dataDir,
      apiKey,
      webhookSecret,
      webhookLibraryPath,
      webhookTvLibraryPath,
      players: playersFromEnv(process.env),
      logger,
    }),
  )
  .catch((error: unknown) => {
    // A bad setting (e.g. a webhook secret that is too short, a players list that is not
    // JSON): say which, not a stack.
    logger.fatal({ err: error }, `cannot start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  });
let stopping = false;
const server = example.app.listen(port, host);
// Event streams never end on their own: remember them so that a stop can end them.
const streams = new Set<ServerResponse>();
server.on('request', (req, res) => {
  // While stopping, a connection serves no further request.
  if (stopping) res.shouldKeepAlive = false;
  if (req.url?.startsWith('/api/events')) {
    streams.add(res);
    res.once('close', () => streams.delete(res));
  }
});
warnIfExposed(server, { apiKey, logger });
server.once('listening', () => {
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  logger.info(
    { dataDir, library: example.libraryPath, tvLibrary: example.tvLibraryPath },
    `phaseq example server listening on http://${shown}:${address.port}`,
  );
});
server.once('error', (error) => {
  logger.fatal({ err: error }, 'cannot listen');
  void example.stop().finally(() => process.exit(1));
});

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  // The queue's own timers do not keep the process alive (they are unref'd), so once the
  // server is closed nothing else would: this one does, and bounds the whole stop.
  const deadline = setTimeout(() => {
    logger.fatal('stop took longer than 30 s; exiting');
    process.exit(1);
  }, 30_000);
  // No new connections; requests in flight complete; event streams are ended (browsers
  // reconnect to the next server); idle keep-alive connections are closed.
  const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  // Again until the server is closed: a request busy when the stop began leaves its
  // keep-alive connection open, and a page may open its event stream again on it.
  const sweep = (): void => {
    // A stream whose handler has not answered yet is ended by a later round.
    for (const res of streams) if (res.headersSent) res.end();
    server.closeIdleConnections();
  };
  sweep();
  const sweeping = setInterval(sweep, 100);
  await closed.finally(() => clearInterval(sweeping));
  await example.stop();
  clearTimeout(deadline);
  logger.info('stopped');
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    shutdown(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
