/**
 * `GET /events`: the queue's and the phase configuration's events as server-sent events,
 * for live pages. Each event keeps its library name (`job:completed`, ...; phase changes
 * are `phase-config:changed`) and a JSON payload; `stats` carries fresh counts on connect,
 * shortly after jobs change state, and when the counts changed without an event here (jobs
 * of other processes sharing the store), so a page never has to poll.
 */
import type { RequestHandler } from 'express';
import type { QueueEventName } from '../../events.js';
import type { PhaseConfigService } from '../../phases/PhaseConfigService.js';
import type { PhaseSchemas } from '../../phases/phaseConfig.js';
import type { JobQueue } from '../../JobQueue.js';
import type { AdapterLogger } from './errors.js';
import { withoutStack } from './views.js';

/** Options of {@link sseHandler}. */
export interface EventStreamOptions {
  /** Phase configuration whose `changed` events are forwarded. */
  phases?: PhaseConfigService<PhaseSchemas> | undefined;
  /** How long to gather job events before sending one `stats` event. @default 200 */
  statsDelayMs?: number;
  /**
   * Interval at which the counts are read again and sent when they changed. Other
   * processes sharing the store send this process no events: this is how their jobs show up.
   * @default 2000
   */
  statsIntervalMs?: number;
  /** Interval of keep-alive comments, so proxies do not close an idle stream. @default 15_000 */
  keepAliveMs?: number;
  /**
   * Bytes a client may fall behind before its stream is closed (it reconnects and starts
   * from fresh counts), so that a stalled client cannot make the server buffer without end.
   * @default 1_048_576
   */
  maxBufferedBytes?: number;
  logger?: AdapterLogger | undefined;
}

/** Queue events forwarded to clients. */
export const FORWARDED_QUEUE_EVENTS: readonly QueueEventName[] = [
  'job:added',
  'job:started',
  'job:progress',
  'job:completed',
  'job:retrying',
  'job:rate-limited',
  'job:failed',
  'job:stalled',
  'job:cancelled',
  'queue:drained',
  'queue:paused',
  'queue:resumed',
  'worker:error',
];

// Events that change the counts of getStats().
const COUNT_CHANGES = new Set<QueueEventName>([
  'job:added',
  'job:started',
  'job:completed',
  'job:retrying',
  'job:rate-limited',
  'job:failed',
  'job:stalled',
  'job:cancelled',
  'queue:paused',
  'queue:resumed',
]);

/** JSON has no Error: send what a page can show (never a stack trace). */
function toJson(payload: unknown): string {
  return JSON.stringify(payload, (key, value: unknown) => {
    if (value instanceof Error) {
      const code = (value as Error & { code?: unknown }).code;
      return { name: value.name, message: value.message, ...(typeof code === 'string' ? { code } : {}) };
    }
    if (key === 'lastError' && typeof value === 'string') return withoutStack(value);
    return value;
  });
}

/** The SSE request handler for one queue (and optionally its phase configuration). */
export function sseHandler(queue: JobQueue, options: EventStreamOptions = {}): RequestHandler {
  const statsDelayMs = options.statsDelayMs ?? 200;
  const statsIntervalMs = options.statsIntervalMs ?? 2000;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const maxBuffered = options.maxBufferedBytes ?? 1_048_576;
  return (req, res) => {
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // Reverse proxies such as nginx would otherwise buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write('retry: 3000\n\n');

    let statsTimer: NodeJS.Timeout | null = null;
    let lastStats = '';
    let closed = false;
    const send = (event: string, payload: unknown): void => {
      if (closed) return;
      if (res.writableLength > maxBuffered) {
        // Ending would wait for the buffer to drain, which a stalled client never does.
        stop();
        res.destroy();
        return;
      }
      res.write(`event: ${event}\ndata: ${toJson(payload)}\n\n`);
    };
    // After job events the counts are sent even when unchanged: one job may have ended and
    // another begun, and a page refreshes its lists on each `stats`. The periodic read sends
    // only a change.
    const sendStats = (onlyIfChanged = false): void => {
      if (!onlyIfChanged) statsTimer = null;
      queue.getStats().then(
        (stats) => {
          const json = JSON.stringify(stats);
          if (onlyIfChanged && json === lastStats) return;
          lastStats = json;
          send('stats', stats);
        },
        (error: unknown) => options.logger?.warn({ err: error }, 'event stream: stats unavailable'),
      );
    };
    const scheduleStats = (): void => {
      if (!closed) statsTimer ??= setTimeout(() => sendStats(), statsDelayMs);
    };

    const listeners = FORWARDED_QUEUE_EVENTS.map((name) => {
      const listener = (payload: unknown): void => {
        send(name, payload);
        if (COUNT_CHANGES.has(name)) scheduleStats();
      };
      queue.on(name, listener);
      return [name, listener] as const;
    });
    const onPhaseChange = (change: unknown): void => send('phase-config:changed', change);
    options.phases?.on('changed', onPhaseChange);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
    keepAlive.unref();
    const statsRefresh = setInterval(() => sendStats(true), statsIntervalMs);
    statsRefresh.unref();

    sendStats();
    function stop(): void {
      if (closed) return;
      closed = true;
      for (const [name, listener] of listeners) queue.off(name, listener);
      options.phases?.off('changed', onPhaseChange);
      clearInterval(keepAlive);
      clearInterval(statsRefresh);
      if (statsTimer) clearTimeout(statsTimer);
    }
    // The client going away closes the request; a stream dropped for falling behind
    // closes the response first.
    req.on('close', stop);
    res.on('close', stop);
  };
}
