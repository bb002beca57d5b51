/**
 * Wiring of a {@link Scheduler} to a queue (`JobQueue`): ticks enqueue through the queue
 * (so payloads are validated and dedupe keys apply), schedules are checked against the
 * queue's registry when declared, and the store follows the queue's storage: the one its
 * `scheduleStore()` capability gives (the SQLite `schedules` table of the queue's own
 * database, the queue's keys on Redis), or memory for the memory storage.
 *
 * The store comes from the storage rather than from a check of its class, so that the
 * scheduler names no backend (ioredis is an optional peer; the memory backend gives a
 * store of this process).
 */
import { QueueStateError } from '../errors.js';
import type { Logger } from 'pino';
import type { JobInput } from '../types.js';
import type { IScheduleStore } from './ScheduleStore.js';
import { Scheduler, type SchedulerOptions } from './Scheduler.js';

/**
 * What the scheduler needs of a queue (a `JobQueue` is one): its storage, for the default
 * store; its `addJob`, for the ticks; its registry, to check a schedule's payload when it
 * is declared; its logger. Named by shape, so the scheduler does not import the queue.
 */
export interface SchedulingQueue {
  /** A job storage (`IJobQueueStorage`): its name, and the store it keeps schedules in. */
  readonly storage: { readonly name: string; scheduleStore?(): IScheduleStore };
  addJob(input: JobInput): Promise<string>;
  readonly registry: { parsePayload(type: string, payload: unknown): unknown };
  readonly logger: Logger;
}

/** Options of {@link createScheduler}, besides the queue and the store. */
export type CreateSchedulerOptions = Omit<SchedulerOptions, 'store' | 'enqueue' | 'validate'>;

/**
 * The store a queue's schedules live in by default: the one its storage keeps with the
 * jobs (`scheduleStore()`: the SQLite database, shared by every process on the file; the
 * queue's Redis keys, shared by every node; a store of this process for the memory storage).
 *
 * @throws QueueStateError for a storage without the `scheduleStore` capability: pass a
 * store to {@link createScheduler} (e.g. `new MemoryScheduleStore()`).
 */
export function defaultScheduleStore(queue: Pick<SchedulingQueue, 'storage'>): IScheduleStore {
  const store = queue.storage.scheduleStore?.();
  if (!store) {
    throw new QueueStateError(
      `The storage "${queue.storage.name}" keeps no schedules (it has no scheduleStore()): ` +
        'pass a store, e.g. createScheduler(queue, new MemoryScheduleStore()).',
    );
  }
  return store;
}

/**
 * Creates the scheduler of a queue. The host (or the queue) starts it with the workers
 * and stops it before the storage closes: a queue that never starts is a producer and
 * fires no ticks, but may still declare and list schedules.
 *
 * @example
 * ```ts
 * const scheduler = createScheduler(queue);
 * await scheduler.schedule('verify', { cron: '30 4 * * *' }, { type: 'scheduled-verification', payload: {} });
 * await queue.start();
 * await scheduler.start();
 * // ...
 * await scheduler.stop();
 * await queue.stop();
 * ```
 */
export function createScheduler(
  queue: SchedulingQueue,
  store: IScheduleStore = defaultScheduleStore(queue),
  options: CreateSchedulerOptions = {},
): Scheduler {
  return new Scheduler({
    ...options,
    store,
    enqueue: (input) => queue.addJob(input),
    validate: (type, payload) => queue.registry.parsePayload(type, payload),
    logger: options.logger ?? queue.logger.child({ component: 'scheduler' }),
  });
}
