/**
 * Cross-node job events: the Redis scripts append `completed`, `failed`, `retrying` and
 * `stalled` entries to the queue's event stream in BullMQ's format, and BullMQ's own
 * `QueueEvents` reads that stream (one blocking XREAD connection per listener). So a
 * queue on one node hears the outcome of jobs run on any other node, and any BullMQ
 * tooling that reads `QueueEvents` can follow the queue too.
 */
import type { EventEmitter } from 'node:events';
import type * as BullMQ from 'bullmq';
import type { Redis } from 'ioredis';
import { requirePeer } from '../../peers.js';
import { StorageError } from '../../errors.js';
import type { StorageJobEvent } from '../../storage/types.js';
import { recordToJob } from './hashToJob.js';

export type { StorageJobEvent } from '../../storage/types.js';

/** Options of {@link subscribeJobEvents}. */
export interface SubscribeOptions {
  /** A connection to duplicate (the listener needs its own, since XREAD blocks). */
  redis: Redis;
  prefix: string;
  queueName: string;
  /** Events whose `origin` equals this id are skipped (the local queue already knows). */
  skipOrigin: string | null;
  listener: (event: StorageJobEvent) => void;
  onError: (error: Error) => void;
}

type StreamFields = Record<string, string | undefined>;

/**
 * Rebuilds one stream entry's job event: BullMQ's fields (`jobId`, `name`,
 * `attemptsMade`, `failedReason`, ...) say what happened, the job's own fields (`state`,
 * `priority`, ..., `payload` or `payloadBytes`) what it happened to.
 *
 * @throws StorageError for an entry without a readable job.
 */
export function toStorageEvent(kind: StorageJobEvent['kind'], f: StreamFields, streamId: string): StorageJobEvent {
  const fail = (why: string, cause?: unknown): StorageError =>
    new StorageError(`Redis event ${streamId} (${kind} of job ${f.jobId ?? '?'}) ${why}`, { cause });
  if (f.jobId === undefined || f.name === undefined || f.state === undefined) throw fail('has no job');
  const payloadOmitted = f.payload === undefined;
  const hash: Record<string, string> = {};
  for (const [k, v] of Object.entries(f)) if (typeof v === 'string') hash[k] = v;
  hash.id = f.jobId;
  hash.type = f.name;
  hash.attempts = f.attemptsMade ?? '';
  hash.payload = f.payload ?? 'null';
  // A failure's last error is its failedReason (the scripts store it once).
  const lastError = f.lastError ?? f.failedReason;
  if (lastError !== undefined) hash.lastError = lastError;
  let job;
  try {
    job = recordToJob(hash);
  } catch (error) {
    throw fail(`has an unreadable job: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  return {
    kind,
    jobId: job.id,
    type: job.type,
    attempts: job.attempts,
    error: f.failedReason ?? null,
    nextRunAt: f.nextRunAt === undefined ? null : Number(f.nextRunAt),
    origin: f.origin ?? '',
    job,
    payloadOmitted,
    durationMs: kind === 'completed' && f.duration !== undefined ? Number(f.duration) : null,
    stalled: f.stalled === '1',
  };
}

/**
 * Starts listening; resolves, once connected, with a function that stops it. Every event
 * recorded after the call is delivered.
 */
export async function subscribeJobEvents(options: SubscribeOptions): Promise<() => Promise<void>> {
  // Start right after the newest entry now in the stream, so that nothing recorded between
  // this call and the first blocking read is missed ('$' would start at the read).
  const newest = await options.redis.xrevrange(`${options.prefix}:${options.queueName}:events`, '+', '-', 'COUNT', 1);
  const lastEventId = newest[0]?.[0] ?? '0';
  // BullMQ requires maxRetriesPerRequest: null on a blocking connection, and expects its
  // commands to wait for a reconnect (offline queue) rather than fail. Unlike the job
  // connection, this one re-sends what was in flight when it dropped: its only command is
  // a read (XREAD from the last id heard), which is safe to run twice, and not re-sending
  // it would leave QueueEvents awaiting it for ever, deaf after the first cut.
  // Loaded on first use: the job storage itself needs only ioredis.
  const { QueueEvents } = requirePeer<typeof BullMQ>('bullmq', 'phaseq/bullmq (remoteEvents)', '^6');
  const connection = options.redis.duplicate({
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    autoResendUnfulfilledCommands: true,
  });
  const events = new QueueEvents(options.queueName, {
    connection,
    prefix: options.prefix,
    autorun: false,
    lastEventId,
  });
  // Runs inside QueueEvents' read loop: anything thrown here would end that loop (and
  // with it every later event), so a bad entry or a throwing listener goes to onError.
  const deliver = (kind: StorageJobEvent['kind']) => (fields: StreamFields, streamId: string) => {
    if (options.skipOrigin !== null && fields.origin === options.skipOrigin) return;
    try {
      options.listener(toStorageEvent(kind, fields, streamId));
    } catch (error) {
      options.onError(error instanceof Error ? error : new Error(String(error)));
    }
  };
  // QueueEvents' typed `on` knows only BullMQ's own events; `retrying` is ours, so all
  // four are subscribed through the plain EventEmitter view it also is.
  const emitter: EventEmitter = events;
  emitter.on('completed', deliver('completed'));
  emitter.on('failed', deliver('failed'));
  emitter.on('stalled', deliver('stalled'));
  emitter.on('retrying', deliver('retrying'));
  // Connection errors (QueueEvents keeps retrying) reach onError as StorageErrors, until
  // the listener is stopped: closing its own connection is no error.
  let closed = false;
  const connectionError = (error: unknown): void => {
    if (closed) return;
    options.onError(
      new StorageError(`Redis event stream failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }),
    );
  };
  emitter.on('error', connectionError);
  void events.run().catch(connectionError);
  try {
    await events.waitUntilReady();
  } catch (error) {
    closed = true;
    connection.disconnect();
    throw error;
  }
  return async () => {
    closed = true;
    await events.close();
    connection.disconnect();
  };
}
