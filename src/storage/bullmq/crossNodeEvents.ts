/**
 * Cross-node job events: the Redis scripts append `completed`, `failed`, `retrying` and
 * `stalled` entries to the queue's event stream in BullMQ's format, and BullMQ's own
 * `QueueEvents` reads that stream (one blocking XREAD connection per listener). So a
 * queue on one node hears the outcome of jobs run on any other node, and any BullMQ
 * tooling that reads `QueueEvents` can follow the queue too.
 */
import type { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';

/** One job outcome recorded by some node, as heard from the shared event stream. */
export interface StorageJobEvent {
  /** What happened: `failed` is final; `retrying` is a failed attempt with retries left. */
  kind: 'completed' | 'failed' | 'retrying' | 'stalled';
  jobId: string;
  /** The job's type. */
  type: string;
  /** Attempts started so far (absent for `stalled`: 0). */
  attempts: number;
  /** The failure message for `failed` and `retrying`, else null. */
  error: string | null;
  /** When a `retrying` job runs next, else null. */
  nextRunAt: number | null;
  /** Id of the storage instance whose process recorded the event. */
  origin: string;
}

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

function toEvent(kind: StorageJobEvent['kind'], f: StreamFields): StorageJobEvent | null {
  if (f.jobId === undefined) return null;
  return {
    kind,
    jobId: f.jobId,
    type: f.name ?? '',
    attempts: Number(f.attemptsMade ?? 0),
    error: f.failedReason ?? null,
    nextRunAt: f.nextRunAt === undefined ? null : Number(f.nextRunAt),
    origin: f.origin ?? '',
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
  // commands to wait for a reconnect (offline queue) rather than fail.
  // Loaded on first use: the job storage itself needs only ioredis.
  const { QueueEvents } = await import('bullmq');
  const connection = options.redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
  const events = new QueueEvents(options.queueName, {
    connection,
    prefix: options.prefix,
    autorun: false,
    lastEventId,
  });
  const deliver = (kind: StorageJobEvent['kind']) => (fields: StreamFields) => {
    const event = toEvent(kind, fields);
    if (!event || (options.skipOrigin !== null && event.origin === options.skipOrigin)) return;
    options.listener(event);
  };
  // QueueEvents' typed `on` knows only BullMQ's own events; `retrying` is ours, so all
  // four are subscribed through the plain EventEmitter view it also is.
  const emitter: EventEmitter = events;
  emitter.on('completed', deliver('completed'));
  emitter.on('failed', deliver('failed'));
  emitter.on('stalled', deliver('stalled'));
  emitter.on('retrying', deliver('retrying'));
  emitter.on('error', options.onError);
  void events.run().catch(options.onError);
  await events.waitUntilReady();
  return async () => {
    await events.close();
    connection.disconnect();
  };
}
