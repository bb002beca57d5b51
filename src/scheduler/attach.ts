/**
 * Wiring of a {@link Scheduler} to a {@link JobQueue}: ticks enqueue through the queue
 * (so payloads are validated and dedupe keys apply), schedules are checked against the
 * queue's registry when declared, and the store follows the queue's storage: the one its
 * `scheduleStore()` capability gives (the SQLite `schedules` table of the queue's own
 * database, the queue's keys on Redis), or memory for the memory storage.
 *
 * The store comes from the storage rather than from a check of its class, so that this
 * module (in the core entry) never names the Redis classes: ioredis is an optional peer.
 */
import type { JobQueue } from '../queue/JobQueue.js';
import { MemoryScheduleStore } from '../backends/memory/scheduleStore.js';
import type { IScheduleStore } from './ScheduleStore.js';
import { Scheduler, type SchedulerOptions } from './Scheduler.js';

/** Options of {@link createScheduler}, besides the queue and the store. */
export type CreateSchedulerOptions = Omit<SchedulerOptions, 'store' | 'enqueue' | 'validate'>;

/**
 * The store a queue's schedules live in by default: the one its storage keeps with the
 * jobs (`scheduleStore()`: the SQLite database, shared by every process on the file; the
 * queue's Redis keys, shared by every node), otherwise memory (this process only).
 */
export function defaultScheduleStore(queue: Pick<JobQueue, 'storage'>): IScheduleStore {
  return queue.storage.scheduleStore?.() ?? new MemoryScheduleStore();
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
  queue: JobQueue,
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
