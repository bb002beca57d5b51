/**
 * MemoryScheduleStore: schedules in a Map, for queues on the memory storage. Every
 * operation runs synchronously inside one call, so `advance` is atomic among the
 * schedulers of this process that share the instance.
 */
import {
  sameDefinition,
  type IScheduleStore,
  type ScheduleDefinition,
  type StoredSchedule,
  type UpsertResult,
} from '../../scheduler/ScheduleStore.js';

/**
 * The in-memory schedule store. Schedules are lost when the process exits.
 *
 * @example
 * ```ts
 * const scheduler = createScheduler(queue, new MemoryScheduleStore());
 * ```
 */
export class MemoryScheduleStore implements IScheduleStore {
  readonly name = 'memory';
  readonly #rows = new Map<string, StoredSchedule>();

  async init(): Promise<void> {}

  async upsert(def: ScheduleDefinition, firstRunAt: number, now: number): Promise<UpsertResult> {
    const row = this.#rows.get(def.name);
    if (row && sameDefinition(row, def)) return 'unchanged';
    this.#rows.set(def.name, {
      ...def,
      lastTick: row?.lastTick ?? null,
      nextRunAt: firstRunAt,
      createdAt: row?.createdAt ?? now,
      updatedAt: now,
    });
    return row ? 'updated' : 'created';
  }

  async remove(name: string): Promise<boolean> {
    return this.#rows.delete(name);
  }

  async get(name: string): Promise<StoredSchedule | null> {
    const row = this.#rows.get(name);
    return row ? { ...row } : null;
  }

  async list(): Promise<StoredSchedule[]> {
    return [...this.#rows.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((r) => ({ ...r }));
  }

  async advance(name: string, expectedNextRunAt: number, tick: number | null, nextRunAt: number, now: number): Promise<boolean> {
    const row = this.#rows.get(name);
    if (!row || row.nextRunAt !== expectedNextRunAt) return false;
    row.nextRunAt = nextRunAt;
    if (tick !== null) row.lastTick = tick;
    row.updatedAt = now;
    return true;
  }
}
