import { MemoryJobQueueStorage } from '../../src/index.js';
import { runStorageConformance } from './storageSuite.js';

runStorageConformance('memory', async () => ({ storage: new MemoryJobQueueStorage(), cleanup: () => {} }));
