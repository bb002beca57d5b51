/**
 * Shared parts of the webhook tests: the fixtures, a producer-only queue on a real SQLite
 * file (jobs stay pending so the test can read them), and an Express app on 127.0.0.1.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { pino } from 'pino';
import { createWebhookRouter, type WebhookRouterOptions } from '../../src/adapters/express/webhooks.js';
import { HandlerRegistry } from '../../src/handlers/HandlerRegistry.js';
import { webhookReceivedSchema } from '../../src/media/schemas.js';
import { JobQueue } from '../../src/JobQueue.js';
import { SQLiteJobQueueStorage } from '../../src/backends/sqlite/storage.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** Names of the fixtures of one downloader (`Download`, `Test`, ...). */
export function fixtureNames(source: 'radarr' | 'sonarr'): string[] {
  return readdirSync(path.join(FIXTURES, source))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** The text of one fixture, as the downloader sends it. */
export function fixtureText(source: 'radarr' | 'sonarr', name: string): string {
  return readFileSync(path.join(FIXTURES, source, `${name}.json`), 'utf8');
}

/** One fixture, parsed (to change a field before sending). */
export function fixture(source: 'radarr' | 'sonarr', name: string): Record<string, unknown> {
  return JSON.parse(fixtureText(source, name)) as Record<string, unknown>;
}

/** A logger that records what it is given. */
export function recordingLogger(): {
  lines: { level: string; obj: Record<string, unknown>; msg?: string }[];
  info: (o: object, m?: string) => void;
  warn: (o: object, m?: string) => void;
  error: (o: object, m?: string) => void;
} {
  const lines: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => {
    lines.push({ level, obj: obj as Record<string, unknown>, ...(msg === undefined ? {} : { msg }) });
  };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

/** A temp dir with a movie and a TV library, and a producer-only queue on one SQLite file. */
export interface WebhookEnv {
  dir: string;
  movies: string;
  tv: string;
  dbFile: string;
  queue: JobQueue;
  close(): Promise<void>;
}

export async function webhookEnv(): Promise<WebhookEnv> {
  const dir = mkdtempSync(path.join(tmpdir(), 'phaseq-webhooks-'));
  const movies = path.join(dir, 'library', 'movies');
  const tv = path.join(dir, 'library', 'tv');
  mkdirSync(movies, { recursive: true });
  mkdirSync(tv, { recursive: true });
  const dbFile = path.join(dir, 'phaseq.db');
  const queue = producer(dbFile);
  return {
    dir,
    movies,
    tv,
    dbFile,
    queue,
    async close() {
      await queue.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A queue that knows `webhook-received` and is never started (a producer). */
export function producer(dbFile: string): JobQueue {
  const registry = new HandlerRegistry();
  registry.register('webhook-received', async () => undefined, { schema: webhookReceivedSchema });
  return new JobQueue({ storage: new SQLiteJobQueueStorage({ filename: dbFile }), registry, logger: pino({ level: 'silent' }) });
}

/** An app serving the webhook router under /api on 127.0.0.1. */
export async function serve(queue: JobQueue, options: WebhookRouterOptions): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.use('/api', createWebhookRouter(queue, options));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** POSTs a JSON text (or object) and returns status, headers and parsed body. */
export async function post(
  url: string,
  body: string | object,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

export const SECRET = 'a-long-shared-secret-123';
