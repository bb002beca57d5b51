/**
 * Remote job events: outcomes other processes recorded, heard through the storage's
 * optional `events` capability, re-emitted on the queue as the very events its own runner
 * emits (`job:completed`, `job:failed`, `job:retrying`, `job:stalled`), marked `remote`,
 * so that listeners (a dashboard's event stream, say) see every job of the queue whichever
 * process ran it.
 */
import type { EventEmitter } from 'eventemitter3';
import { StorageError } from '../errors.js';
import type { QueueEvents, RemoteEventInfo } from '../events.js';
import type { Logger } from 'pino';
import type { IJobQueueStorage, StorageJobEvent } from '../storage/types.js';

const STACK_FRAME = /^\s+at\s/;
const NAMED = /^([A-Za-z_$][\w$]*): ([\s\S]*)$/;

/**
 * Rebuilds the error of a failure another process recorded. The record is the message
 * and stack the failing process stored (`Name: message` then stack frames): the error gets
 * back its message and its class name, and the recorded text as its stack.
 */
export function remoteError(recorded: string | null): Error {
  const text = recorded ?? '';
  const head = text
    .split('\n')
    .filter((line) => !STACK_FRAME.test(line))
    .join('\n')
    .trimEnd();
  const named = NAMED.exec(head);
  const error = new Error(named ? named[2] : head);
  if (named?.[1]) error.name = named[1];
  if (text !== '') error.stack = text;
  return error;
}

/**
 * Emits one remote outcome on `events`, as the local runner would have: a job that failed
 * because its lease expired is `job:stalled` then `job:failed`, as the local stall sweep
 * reports it.
 *
 * @throws StorageError for a completion without its duration (listeners' errors propagate).
 */
export function emitRemoteEvent(events: EventEmitter<QueueEvents>, event: StorageJobEvent): void {
  const remote: RemoteEventInfo = { origin: event.origin, payloadOmitted: event.payloadOmitted };
  const { job } = event;
  switch (event.kind) {
    case 'completed':
      if (event.durationMs === null) {
        throw new StorageError(`Remote completion of job ${job.id} came without its duration`);
      }
      events.emit('job:completed', { job, result: undefined, durationMs: event.durationMs, remote });
      return;
    case 'retrying':
      events.emit('job:retrying', {
        job,
        error: remoteError(event.error),
        attempt: event.attempts,
        nextRunAt: event.nextRunAt ?? job.runAt,
        remote,
      });
      return;
    case 'failed':
      if (event.stalled) events.emit('job:stalled', { job, remote });
      events.emit('job:failed', { job, error: remoteError(event.error), attempts: event.attempts, payload: job.payload, remote });
      return;
    case 'stalled':
      events.emit('job:stalled', { job, remote });
      return;
  }
}

/**
 * Starts re-emitting on `events` the outcomes other processes record, through the
 * storage's `events` capability; resolves once listening, with the function that stops.
 * An error of the storage's reading loop goes to `reportError`; a listener of that
 * report which throws is logged, since the loop must not throw.
 */
export function listenToRemoteEvents(
  subscribe: NonNullable<IJobQueueStorage['events']>,
  events: EventEmitter<QueueEvents>,
  reportError: (error: unknown) => void,
  logger: Logger,
): Promise<() => Promise<void>> {
  return subscribe((event) => emitRemoteEvent(events, event), {
    onError: (error) => {
      try {
        reportError(error);
      } catch (listenerError) {
        logger.error({ err: listenerError }, 'worker:error listener threw');
      }
    },
  });
}
