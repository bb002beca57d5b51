import { join } from 'node:path';
import { SQLiteJobQueueStorage } from '../../src/index.js';
import { makeTempDir } from '../support/tmp.js';
import { runStorageConformance } from './storageSuite.js';

// A real file in a temp dir, built by the real migrations (init runs them).
runStorageConformance('sqlite', async () => {
  const tmp = makeTempDir();
  return { storage: new SQLiteJobQueueStorage({ filename: join(tmp.dir, 'jobs.db') }), cleanup: tmp.cleanup };
});
