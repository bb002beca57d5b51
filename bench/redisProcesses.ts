/**
 * Scale-out on Redis: N worker processes drain one queue. The jobs are stored first; the
 * clock starts when every process has connected and is told to start, and stops when the
 * queue is empty. Run as a module by scenarios.ts (`phaseq-redis-processes`), and as a
 * worker process by itself: `node --import tsx bench/redisProcesses.ts worker <url> <prefix> <concurrency>`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { z } from 'zod';
import { HandlerRegistry, JobQueue } from '../src/index.js';
import { BullMQJobQueueStorage } from '../src/backends/redis/storage.js';

const SELF = fileURLToPath(import.meta.url);
const silent = pino({ level: 'silent' });

function noopRegistry(): HandlerRegistry {
  const registry = new HandlerRegistry();
  registry.register('noop', async () => {}, { schema: z.object({ i: z.number() }) });
  return registry;
}

/** One worker process: connects, says `ready`, starts on `go`, stops cleanly on SIGTERM. */
async function workerProcess(url: string, prefix: string, concurrency: number): Promise<void> {
  const queue = new JobQueue({
    storage: new BullMQJobQueueStorage({ connection: url, prefix }),
    registry: noopRegistry(),
    logger: silent,
    concurrency,
  });
  await queue.getStats();
  process.on('SIGTERM', () => void queue.stop().then(() => process.exit(0)));
  const lines = createInterface({ input: process.stdin });
  process.stdout.write('ready\n');
  for await (const line of lines) {
    if (line === 'go') await queue.start();
  }
}

function spawnWorker(url: string, prefix: string, concurrency: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, 'worker', url, prefix, String(concurrency)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`bench worker exited (${code}) before ready`)));
  });
}

/**
 * Drains `jobs` no-op jobs with `processes` worker processes of `concurrency` workers
 * each, all on one Redis queue; returns jobs/s from the start signal to an empty queue.
 */
export async function drainWithProcesses(
  url: string,
  prefix: string,
  jobs: number,
  processes: number,
  concurrency = 50,
): Promise<{ jobsPerSec: number }> {
  const storage = new BullMQJobQueueStorage({ connection: url, prefix });
  const producer = new JobQueue({ storage, registry: noopRegistry(), logger: silent });
  for (let i = 0; i < jobs; i += 1000) {
    await producer.addJobs(Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => ({ type: 'noop' as const, payload: { i: i + k } })));
  }
  const children = await Promise.all(Array.from({ length: processes }, () => spawnWorker(url, prefix, concurrency)));
  try {
    // A worker that dies mid-run would leave the queue never empty: fail instead of waiting.
    // Set from a listener, so declared without narrowing to null.
    let died = null as Error | null;
    for (const child of children) {
      child.once('exit', (code, signal) => (died ??= new Error(`a bench worker exited mid-run (${code ?? signal})`)));
    }
    const t = performance.now();
    for (const child of children) child.stdin?.write('go\n');
    for (;;) {
      if (died) throw died;
      const s = await storage.stats(Date.now());
      if (s.pending + s.processing + s.delayed === 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const ms = performance.now() - t;
    return { jobsPerSec: Math.round(jobs / (ms / 1000)) };
  } finally {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) {
              resolve();
              return;
            }
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    await producer.stop();
    await storage.init();
    await storage.destroy();
    await storage.close();
  }
}

if (process.argv[2] === 'worker') {
  const [, , , url = '', prefix = '', concurrency = '50'] = process.argv;
  await workerProcess(url, prefix, Number(concurrency));
}
