/**
 * Remote events on Redis: with `remoteEvents` on, a queue re-emits the outcomes of jobs
 * other processes ran as its own `job:*` events, marked `remote`. The worker node runs in
 * a child process; the "dashboard" node in this process runs no workers. Other nodes are
 * storage instances of their own on the same queue.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJobsRouter } from '../../src/express.js';
import { ValidationError } from '../../src/errors.js';
import type { QueueEvents } from '../../src/events.js';
import { JobQueue } from '../../src/JobQueue.js';
import { BullMQJobQueueStorage } from '../../src/backends/redis/storage.js';
import { MemoryJobQueueStorage } from '../../src/backends/memory/storage.js';
import type { NewJob, StorageEventsOptions, StorageJobEvent } from '../../src/storage/types.js';
import { remoteEventsRegistry } from './fixtures/remoteEventsJobs.js';
import { deletePrefix, freshPrefix, REDIS_URL, redisSkipReason } from './redisTestEnv.js';
import { newJob as baseJob } from '../support/jobs.js';
import { readEvents } from '../support/sse.js';

const skip = await redisSkipReason();
const NODE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'remoteEventsNode.ts');
const silent = pino({ level: 'silent' });
/** Far beyond any real clock: jobs that only the test's own storage calls claim. */
const FUTURE = 4_000_000_000_000;

interface Heard {
  event: string;
  id: string;
  remote: boolean;
}

interface WorkerNode {
  child: ChildProcess;
  /** The node's storage instance id: the `origin` of the events it records. */
  origin: string;
  /** Every job event the node heard so far. */
  heard(): Heard[];
}

function startNode(prefix: string): Promise<WorkerNode> {
  const child = spawn(process.execPath, ['--import', 'tsx', NODE], {
    env: { ...process.env, REDIS_URL, PREFIX: prefix },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const heard = (): Heard[] =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Heard);
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const ready = /^ready (\S+)$/m.exec(stdout);
      if (ready) resolve({ child, origin: ready[1]!, heard });
    });
    child.once('exit', (code) => reject(new Error(`worker node exited (${code}) before ready: ${stderr}`)));
  });
}

function stopNode(node: WorkerNode): Promise<number | null> {
  if (node.child.exitCode !== null) return Promise.resolve(node.child.exitCode);
  return new Promise((resolve) => {
    node.child.once('exit', (code) => resolve(code));
    node.child.kill('SIGTERM');
  });
}

type Outcome = 'job:completed' | 'job:failed' | 'job:retrying' | 'job:stalled';
type Payload<K extends Outcome> = Parameters<QueueEvents[K]>[0];

interface Recorded {
  name: Outcome;
  event: Payload<Outcome>;
}

/** Records the four outcome events a queue emits, in order. */
function record(queue: JobQueue): Recorded[] {
  const out: Recorded[] = [];
  for (const name of ['job:completed', 'job:failed', 'job:retrying', 'job:stalled'] as const) {
    queue.on(name, (event: Payload<Outcome>) => out.push({ name, event }));
  }
  return out;
}

/** The recorded `name` events of job `id`. */
function find<K extends Outcome>(events: Recorded[], name: K, id: string): Payload<K>[] {
  return events.filter((e) => e.name === name && e.event.job.id === id).map((e) => e.event as Payload<K>);
}

/** A job that only the test's own storage calls claim (due far in the future). */
function newJob(over: Partial<NewJob> = {}): NewJob {
  return baseJob({ type: 'ok', runAt: FUTURE, ...over });
}

/** A queue that never starts: it adds jobs and listens, as a dashboard process would. */
function dashboard(storage: BullMQJobQueueStorage): JobQueue {
  return new JobQueue({ storage, registry: remoteEventsRegistry(), logger: silent, remoteEvents: true });
}

describe('remoteEvents option', () => {
  it('needs a storage that can hear other processes', () => {
    expect(() => new JobQueue({ storage: new MemoryJobQueueStorage(), logger: silent, remoteEvents: true })).toThrow(ValidationError);
    expect(() => new JobQueue({ storage: new MemoryJobQueueStorage(), logger: silent })).not.toThrow();
  });

  it('maxEventPayloadBytes must be a whole number, 0 or more', () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() => new BullMQJobQueueStorage({ connection: REDIS_URL, maxEventPayloadBytes: bad })).toThrow(/maxEventPayloadBytes/);
    }
    expect(() => new BullMQJobQueueStorage({ connection: REDIS_URL, maxEventPayloadBytes: 0 })).not.toThrow();
  });
});

describe.skipIf(skip !== null)(`remote events on Redis${skip ? ` — skipped: ${skip}` : ''}`, () => {
  let prefix: string;
  let nodes: WorkerNode[] = [];
  const queues: JobQueue[] = [];
  const storages: BullMQJobQueueStorage[] = [];

  /** A storage instance of its own: one more node on the queue. */
  async function openStorage(options: { maxEventPayloadBytes?: number } = {}): Promise<BullMQJobQueueStorage> {
    const storage = new BullMQJobQueueStorage({ connection: REDIS_URL, prefix, ...options });
    storages.push(storage);
    await storage.init();
    return storage;
  }

  function track(queue: JobQueue): JobQueue {
    queues.push(queue);
    return queue;
  }

  beforeEach(() => {
    prefix = freshPrefix();
  });

  afterEach(async () => {
    for (const node of nodes) if (node.child.exitCode === null) node.child.kill('SIGKILL');
    nodes = [];
    await Promise.all(queues.splice(0).map((q) => q.stop({ timeoutMs: 2000 })));
    await Promise.all(storages.splice(0).map((s) => s.close()));
    await deletePrefix(prefix);
  });

  it('a dashboard that runs no workers hears completions, failures and retries run by another process', async () => {
    const worker = await startNode(prefix);
    nodes.push(worker);
    const board = track(dashboard(new BullMQJobQueueStorage({ connection: REDIS_URL, prefix })));
    const heard = record(board);
    const errors: Error[] = [];
    board.on('worker:error', ({ error }) => errors.push(error));

    const [ok, bad, flaky] = await board.addJobs([
      { type: 'ok', payload: { n: 21 }, priority: 3 },
      { type: 'bad', payload: { why: 'test' } },
      { type: 'flaky', payload: {} },
    ]);
    await expect.poll(() => find(heard, 'job:completed', flaky!).length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => find(heard, 'job:failed', bad!).length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => find(heard, 'job:completed', ok!).length, { timeout: 10_000 }).toBe(1);

    const [done] = find(heard, 'job:completed', ok!);
    expect(done!.remote).toEqual({ origin: worker.origin, payloadOmitted: false });
    expect(done!.job).toMatchObject({
      id: ok,
      type: 'ok',
      payload: { n: 21 },
      priority: 3,
      attempts: 1,
      maxRetries: 3,
      state: 'processing',
    });
    expect(done!.job.createdAt).toBeGreaterThan(0);
    expect(done!.job.lockedBy).toContain(':');
    expect(done!.result).toBeUndefined();
    expect(done!.durationMs).toBeGreaterThanOrEqual(0);

    const [failed] = find(heard, 'job:failed', bad!);
    expect(failed!.remote?.origin).toBe(worker.origin);
    expect(failed!.attempts).toBe(1);
    expect(failed!.payload).toEqual({ why: 'test' });
    expect(failed!.job).toMatchObject({ id: bad, type: 'bad', state: 'failed', attempts: 1, maxRetries: 0, lockedBy: null });
    expect(failed!.error).toBeInstanceOf(Error);
    expect(failed!.error).toMatchObject({ name: 'Error', message: 'bad input' });
    expect(failed!.error.stack).toMatch(/bad input\n\s+at /);
    expect(failed!.job.lastError).toContain('bad input');

    const retries = find(heard, 'job:retrying', flaky!);
    expect(retries).toHaveLength(1);
    expect(retries[0]!.error.message).toBe('first try fails');
    expect(retries[0]!.attempt).toBe(1);
    expect(retries[0]!.nextRunAt).toBe(retries[0]!.job.runAt);
    expect(retries[0]!.job).toMatchObject({ state: 'pending', attempts: 1, lastError: expect.stringContaining('first try fails') });
    expect(find(heard, 'job:completed', flaky!)[0]!.job.attempts).toBe(2);
    // Nothing the dashboard heard was its own, and nothing came twice.
    expect(heard.every((e) => e.event.remote?.origin === worker.origin)).toBe(true);
    expect(heard).toHaveLength(4);
    expect(errors).toEqual([]);

    // A job another node (this storage) runs reaches the worker node as a remote event,
    // while the worker node's own jobs reached it once each, as local events.
    const other = await openStorage();
    const [mine] = await other.add([newJob()], Date.now());
    await other.claim('other', 1, FUTURE, 10_000);
    expect(await other.complete([{ id: mine!.id, workerId: 'other' }])).toBe(1);
    await expect
      .poll(() => worker.heard().filter((h) => h.id === mine!.id), { timeout: 10_000 })
      .toEqual([{ event: 'job:completed', id: mine!.id, remote: true }]);
    expect(worker.heard().filter((h) => h.id !== mine!.id)).toEqual(
      expect.arrayContaining([
        { event: 'job:completed', id: ok, remote: false },
        { event: 'job:failed', id: bad, remote: false },
        { event: 'job:retrying', id: flaky, remote: false },
        { event: 'job:completed', id: flaky, remote: false },
      ]),
    );
    expect(worker.heard()).toHaveLength(5);
    expect(await stopNode(worker)).toBe(0);
  }, 30_000);

  it('stall recoveries on another node arrive as job:stalled, and a stall failure as job:stalled then job:failed', async () => {
    const board = track(dashboard(new BullMQJobQueueStorage({ connection: REDIS_URL, prefix })));
    const heard = record(board);
    await board.getStats();
    const other = await openStorage();
    const [added] = await other.add([newJob({ payload: { n: 7 } })], Date.now());
    const id = added!.id;
    await other.claim('gone', 1, FUTURE, 1000);
    await other.recoverStalled({ now: FUTURE + 2000, maxStalls: 1, retain: false });
    await other.claim('gone', 1, FUTURE + 3000, 1000);
    await other.recoverStalled({ now: FUTURE + 5000, maxStalls: 1, retain: true });

    await expect.poll(() => heard.map((e) => e.name), { timeout: 10_000 }).toEqual(['job:stalled', 'job:stalled', 'job:failed']);
    const [recovered, stalledAgain] = find(heard, 'job:stalled', id);
    expect(recovered!.job).toMatchObject({ id, state: 'pending', stalls: 1, attempts: 1, payload: { n: 7 }, lockedBy: null });
    expect(recovered!.remote).toEqual({ origin: other.instanceId, payloadOmitted: false });
    expect(stalledAgain!.job).toMatchObject({ state: 'failed', stalls: 2 });
    const [failed] = find(heard, 'job:failed', id);
    expect(failed!.error.message).toMatch(/^stalled 2 time\(s\)/);
    expect(failed!.attempts).toBe(2);
    // The dead-letter the dashboard's listeners see is the one stored.
    expect(await board.getJob(id)).toMatchObject({ state: 'failed', stalls: 2, lastError: failed!.job.lastError });
  });

  it("keeps BullMQ's own fields in the stream and adds the job's after them", async () => {
    const other = await openStorage();
    const [added] = await other.add([newJob({ payload: { n: 3 }, dedupeKey: 'k', timeoutMs: 500 })], Date.now());
    await other.claim('w', 1, FUTURE, 10_000);
    await other.complete([{ id: added!.id, workerId: 'w' }]);
    const [[, flat]] = (await other.redis.xrange(`${prefix}:jobs:events`, '-', '+')) as [[string, string[]]];
    const names = flat.filter((_, i) => i % 2 === 0);
    const fields = Object.fromEntries(names.map((name, i) => [name, flat[2 * i + 1]]));
    expect(names.slice(0, 7)).toEqual(['event', 'jobId', 'name', 'attemptsMade', 'returnvalue', 'prev', 'origin']);
    expect(fields).toMatchObject({
      event: 'completed',
      jobId: added!.id,
      name: 'ok',
      attemptsMade: '1',
      returnvalue: 'null',
      prev: 'active',
      origin: other.instanceId,
      state: 'processing',
      priority: '5',
      dedupeKey: 'k',
      timeoutMs: '500',
      lockedBy: 'w',
      payload: '{"n":3}',
    });
    expect(Number(fields.duration)).toBeGreaterThanOrEqual(0);
  });

  it('leaves payloads over maxEventPayloadBytes out of the event, and says so', async () => {
    const board = track(dashboard(new BullMQJobQueueStorage({ connection: REDIS_URL, prefix })));
    const heard = record(board);
    await board.getStats();
    const other = await openStorage({ maxEventPayloadBytes: 64 });
    const [small, big] = await other.add([newJob({ payload: { n: 1 } }), newJob({ payload: { n: 2, text: 'x'.repeat(100) } })], Date.now());
    await other.claim('w', 2, FUTURE, 10_000);
    await other.complete([small!, big!].map((a) => ({ id: a.id, workerId: 'w' })));

    await expect.poll(() => heard.length, { timeout: 10_000 }).toBe(2);
    const [first] = find(heard, 'job:completed', small!.id);
    const [second] = find(heard, 'job:completed', big!.id);
    expect(first!.job.payload).toEqual({ n: 1 });
    expect(first!.remote?.payloadOmitted).toBe(false);
    expect(second!.job.payload).toBeNull();
    expect(second!.remote?.payloadOmitted).toBe(true);
    expect(second!.job).toMatchObject({ id: big!.id, type: 'ok', attempts: 1 });
  });

  it('keeps hearing, without a gap or a repeat, across a cut of its listening connection', async () => {
    const name = `${prefix}-board`;
    const board = track(
      dashboard(new BullMQJobQueueStorage({ connection: { host: '127.0.0.1', port: 6379, connectionName: name }, prefix })),
    );
    const heard = record(board);
    await board.getStats();
    const other = await openStorage();
    const admin = other.redis;
    const runOne = async (): Promise<string> => {
      const [added] = await other.add([newJob()], Date.now());
      await other.claim('w', 1, FUTURE, 10_000);
      await other.complete([{ id: added!.id, workerId: 'w' }]);
      return added!.id;
    };
    const before = await runOne();
    await expect.poll(() => find(heard, 'job:completed', before).length, { timeout: 10_000 }).toBe(1);

    // The listening connection is the one client of this queue blocked in XREAD (BullMQ
    // names it after the prefix; once reconnected it carries the storage's name). Cut it,
    // as a network cut or a Redis failover would, and record outcomes while it reconnects.
    const blocked = async (): Promise<string[]> =>
      String(await admin.call('CLIENT', 'LIST', 'TYPE', 'normal'))
        .split('\n')
        .filter((line) => (line.includes(` name=${prefix}:`) || line.includes(` name=${name} `)) && line.includes(' cmd=xread'))
        .map((line) => /(?:^| )id=(\d+)/.exec(line)![1]!);
    await expect.poll(blocked, { timeout: 5000 }).toHaveLength(1);
    const [victim] = await blocked();
    await admin.call('CLIENT', 'KILL', 'ID', victim!);
    const during = [await runOne(), await runOne(), await runOne()];
    await expect.poll(async () => (await blocked()).filter((id) => id !== victim), { timeout: 10_000 }).toHaveLength(1);
    const after = await runOne();

    for (const id of [...during, after]) {
      await expect.poll(() => find(heard, 'job:completed', id).length, { timeout: 10_000 }).toBe(1);
    }
    expect(heard.map((e) => e.event.job.id)).toEqual([before, ...during, after]);
  });

  it('reports a listener that throws on worker:error and keeps delivering', async () => {
    const board = track(dashboard(new BullMQJobQueueStorage({ connection: REDIS_URL, prefix })));
    const errors: Error[] = [];
    board.on('worker:error', ({ error }) => errors.push(error));
    let calls = 0;
    board.on('job:completed', () => {
      calls++;
      if (calls === 1) throw new Error('listener bug');
    });
    await board.getStats();
    const other = await openStorage();
    const added = await other.add([newJob(), newJob()], Date.now());
    await other.claim('w', 2, FUTURE, 10_000);
    await other.complete([{ id: added[0]!.id, workerId: 'w' }]);
    await other.complete([{ id: added[1]!.id, workerId: 'w' }]);
    await expect.poll(() => calls, { timeout: 10_000 }).toBe(2);
    expect(errors.map((e) => e.message)).toEqual(['listener bug']);
  });

  it('listens from start() or the first call until stop(), and again after a restart', async () => {
    const active: string[] = [];
    class CountingStorage extends BullMQJobQueueStorage {
      override async events(listener: (event: StorageJobEvent) => void, options: StorageEventsOptions): Promise<() => Promise<void>> {
        const stop = await super.events(listener, options);
        active.push('on');
        return async () => {
          active.push('off');
          await stop();
        };
      }
    }
    const queue = track(
      new JobQueue({
        storage: new CountingStorage({ connection: REDIS_URL, prefix }),
        registry: remoteEventsRegistry(),
        logger: silent,
        remoteEvents: true,
      }),
    );
    await queue.getStats();
    await queue.getStats();
    expect(active).toEqual(['on']);
    await queue.stop();
    expect(active).toEqual(['on', 'off']);
    await queue.start();
    expect(active).toEqual(['on', 'off', 'on']);
    await queue.stop();
    expect(active).toEqual(['on', 'off', 'on', 'off']);

    // Off by default: the same storage, no listener.
    const quiet = track(new JobQueue({ storage: new CountingStorage({ connection: REDIS_URL, prefix }), logger: silent }));
    await quiet.start();
    await quiet.stop();
    expect(active).toHaveLength(4);
  });

  it('start() fails as a whole, closing the storage, when listening cannot start', async () => {
    let closed = 0;
    class BrokenEvents extends BullMQJobQueueStorage {
      override async events(): Promise<() => Promise<void>> {
        throw new Error('no event stream');
      }
      override async close(): Promise<void> {
        closed++;
        await super.close();
      }
    }
    const storage = new BrokenEvents({ connection: REDIS_URL, prefix });
    const queue = track(new JobQueue({ storage, registry: remoteEventsRegistry(), logger: silent, remoteEvents: true }));
    await expect(queue.start()).rejects.toThrow('no event stream');
    expect(queue.isRunning).toBe(false);
    expect(closed).toBe(1);
    expect(() => storage.redis).toThrow(/not open/);
  });

  it("the dashboard's server-sent events show a job another node completed", async () => {
    const board = track(dashboard(new BullMQJobQueueStorage({ connection: REDIS_URL, prefix })));
    const app = express();
    app.use('/api', createJobsRouter(board));
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const workerStorage = new BullMQJobQueueStorage({ connection: REDIS_URL, prefix });
    const worker = track(new JobQueue({ storage: workerStorage, registry: remoteEventsRegistry(), logger: silent }));
    try {
      const { port } = server.address() as AddressInfo;
      let id: Promise<string> | undefined;
      const { response, events } = await readEvents(`http://127.0.0.1:${port}/api/events`, (seen) => {
        // The first stats event means the stream listens: now the other node runs a job.
        if (id === undefined && seen.some((e) => e.event === 'stats')) {
          id = worker.start().then(() => worker.addJob({ type: 'ok', payload: { n: 4 } }));
        }
        return seen.some((e) => e.event === 'job:completed');
      });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const completed = events.find((e) => e.event === 'job:completed')?.data;
      expect(completed).toMatchObject({
        job: { id: await id, type: 'ok', payload: { n: 4 } },
        remote: { origin: workerStorage.instanceId },
      });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
