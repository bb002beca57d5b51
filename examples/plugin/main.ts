/**
 * Runs the checksum plugin on a folder: `npx tsx examples/plugin/main.ts [folder]`.
 * Without a folder it makes a temporary one with three files. Prints one
 * `<sha256>  <file>` line per file, then stops the queue.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { JobQueue, SQLiteJobQueueStorage } from '../../src/index.js';
import { checksumPlugin } from './checksumPlugin.js';

const folder = path.resolve(process.argv[2] ?? mkdtempSync(path.join(tmpdir(), 'phaseq-checksum-')));
if (!process.argv[2]) {
  for (const name of ['a.txt', 'b.txt', 'c.txt']) writeFileSync(path.join(folder, name), `content of ${name}\n`);
}

const queue = new JobQueue({
  storage: new SQLiteJobQueueStorage({ filename: path.join(mkdtempSync(path.join(tmpdir(), 'phaseq-db-')), 'jobs.db') }),
  logger: pino({ level: 'warn' }),
});
await queue.use(checksumPlugin);

const results: { file: string; sha256: string }[] = [];
let expected: number | null = null;
const finished = new Promise<void>((resolve, reject) => {
  queue.on('job:completed', ({ job, result }) => {
    if (job.type === 'checksum-folder') expected = (result as { enqueued: number }).enqueued;
    if (job.type === 'checksum-file') results.push(result as { file: string; sha256: string });
    if (expected !== null && results.length === expected) resolve();
  });
  queue.on('job:failed', ({ job, error }) => reject(new Error(`${job.type} failed: ${error.message}`)));
});

await queue.start();
await queue.addJob({ type: 'checksum-folder', payload: { folder }, manual: true });
await finished;
for (const r of results.sort((a, b) => a.file.localeCompare(b.file))) console.log(`${r.sha256}  ${r.file}`);
await queue.stop();
