/**
 * A producer in its own process, for the cross-process latency figure: adds `n` jobs of
 * type `stamp`, each carrying the wall-clock time it was sent, 5 ms apart.
 * argv: <db> <n>
 */
import { pino } from 'pino';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, SQLiteJobQueueStorage } from '../src/index.js';

const [file = '', n = '100'] = process.argv.slice(2);
const registry = new HandlerRegistry();
registry.register('stamp', async () => {}, { schema: z.object({ sentAt: z.number() }) });
const queue = new JobQueue({ storage: new SQLiteJobQueueStorage({ filename: file }), registry, logger: pino({ level: 'silent' }) });
for (let i = 0; i < Number(n); i++) {
  await new Promise((r) => setTimeout(r, 5));
  await queue.addJob({ type: 'stamp', payload: { sentAt: Date.now() } });
}
await queue.stop();
