/**
 * The schedule store contract on the stores of the core: memory, and SQLite on a real file
 * built by the migrations (its peer: a second store on the same file, as another process
 * would open it). The Redis store runs the same suite in test/bullmq/redisSchedules.test.ts.
 */
import { join } from 'node:path';
import { MemoryScheduleStore } from '../../src/backends/memory/scheduleStore.js';
import { SQLiteScheduleStore } from '../../src/backends/sqlite/scheduleStore.js';
import { SQLiteJobQueueStorage } from '../../src/backends/sqlite/storage.js';
import { makeTempDir } from '../support/tmp.js';
import { runScheduleStoreContract } from './scheduleStoreSuite.js';

runScheduleStoreContract('memory', async () => ({ store: new MemoryScheduleStore(), peer: null, cleanup: () => {} }), { shared: false });

runScheduleStoreContract(
  'sqlite',
  async () => {
    const tmp = makeTempDir('phaseq-sched-store-');
    const filename = join(tmp.dir, 'phaseq.db');
    // The store under test shares a job storage's database (as the queue's default store
    // does); its peer opens the file itself.
    const storage = new SQLiteJobQueueStorage({ filename });
    const peer = new SQLiteScheduleStore({ filename });
    return {
      store: storage.scheduleStore(),
      peer,
      cleanup: async () => {
        peer.close();
        await storage.close();
        tmp.cleanup();
      },
    };
  },
  { shared: true },
);
