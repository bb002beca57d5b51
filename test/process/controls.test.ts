/**
 * Queue controls across real processes, on SQLite and on Redis: worker processes share one
 * store, each journals every job it starts and ends, and counts (with token files, see
 * fixtures/controlsWorker.ts) how many jobs of the type and of the key run at that moment
 * in every process. The limits must hold across processes, a pause stored by one process
 * must stop the others, and processes registering different types must split the work.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HandlerRegistry, JobQueue } from '../../src/index.js';
import { PROCESS_STORES, type ProcessStore } from './support/stores.js';
import { makeTempDir, sleep, waitFor } from '../support/tmp.js';

const WORKER = path.join(import.meta.dirname, 'fixtures/controlsWorker.ts');

interface Rate {
  max: number;
  durationMs: number;
}
type Limits = Record<string, { concurrency?: number; group?: number; rate?: Rate; groupRate?: Rate }>;

interface Line {
  kind: 'start' | 'end';
  id: string;
  type: string;
  key: string;
  n: number;
  pid: number;
  seenType: number;
  seenKey: number;
  /** The claim's time (start lines). */
  claimedAt: number;
}

/** The most starts (claim times) in any window of `ms`, per `by` (one group for all by default). */
function mostInWindow(starts: Line[], ms: number, by: (l: Line) => string = () => ''): number {
  let most = 0;
  const groups = new Map<string, number[]>();
  for (const l of starts) groups.set(by(l), [...(groups.get(by(l)) ?? []), l.claimedAt]);
  for (const times of groups.values()) {
    times.sort((a, b) => a - b);
    // Any window holding starts holds as many as one that opens at one of them.
    for (let i = 0; i < times.length; i++) {
      let j = i;
      while (j < times.length && times[j]! < times[i]! + ms) j++;
      most = Math.max(most, j - i);
    }
  }
  return most;
}

function readJournal(file: string): Line[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [kind, id, type, key, n, pid, seenType, seenKey, claimedAt] = l.split(' ');
      return {
        kind: kind as Line['kind'],
        id: id!,
        type: type!,
        key: key!,
        n: Number(n),
        pid: Number(pid),
        seenType: Number(seenType),
        seenKey: Number(seenKey),
        claimedAt: Number(claimedAt),
      };
    });
}

const payload = z.object({ key: z.string(), n: z.number() });

for (const place of PROCESS_STORES) {
  describe(`queue controls across processes (${place.name})`, () => {
    const children: ChildProcess[] = [];
    const cleanups: (() => void | Promise<void>)[] = [];
    afterEach(async () => {
      for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
      for (const fn of cleanups.splice(0).reverse()) await fn();
    });

    function setup(): { store: ProcessStore; dir: string; journal: string } {
      const tmp = makeTempDir();
      const store = place.open(tmp.dir);
      cleanups.push(tmp.cleanup, () => store.cleanup());
      return { store, dir: tmp.dir, journal: path.join(tmp.dir, 'journal.txt') };
    }

    /**
     * A queue of this test process that adds jobs and sets pauses (never started). It
     * registers the types as the workers do: a group key is computed where a job is added.
     */
    function producer(store: ProcessStore, types: Limits): JobQueue {
      const registry = new HandlerRegistry();
      for (const [t, limits] of Object.entries(types)) {
        registry.register(t, () => {}, {
          schema: payload,
          rateLimit: limits.rate,
          group: limits.group === undefined ? undefined : { by: (p) => p.key, concurrency: limits.group, rateLimit: limits.groupRate },
        });
      }
      const queue = new JobQueue({ storage: store.storage(), registry, logger: pino({ level: 'silent' }), scheduler: false });
      cleanups.push(() => queue.stop());
      return queue;
    }

    async function worker(
      store: ProcessStore,
      dir: string,
      journal: string,
      types: Limits,
      concurrency = 4,
      handlerMs = 20,
    ): Promise<ChildProcess> {
      const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
        env: {
          ...process.env,
          ...store.env,
          TYPES: JSON.stringify(types),
          CONCURRENCY: String(concurrency),
          HANDLER_MS: String(handlerMs),
          JOURNAL: journal,
          TOKENS: path.join(dir, 'tokens'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('ready')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`worker exited (${code}) before ready: ${stderr}`)));
      });
      return child;
    }

    async function drained(queue: JobQueue, what: string): Promise<void> {
      await waitFor(
        async () => {
          const s = await queue.getStats();
          return s.pending + s.delayed + s.processing === 0;
        },
        60_000,
        what,
      );
    }

    it('a per-type limit holds across processes while other types use the rest', async () => {
      const { store, dir, journal } = setup();
      // Three workers per process and a limit of four: one process alone cannot fill the
      // limit, so reaching it means both run the type at once, and never more.
      const limits: Limits = { disk: { concurrency: 4 }, cpu: {} };
      const queue = producer(store, limits);
      // Both processes are up before the jobs come, so both compete from the first claim.
      await Promise.all([worker(store, dir, journal, limits, 3, 40), worker(store, dir, journal, limits, 3, 40)]);
      await queue.addJobs([
        ...Array.from({ length: 30 }, (_, n) => ({ type: 'disk', payload: { key: 'd', n } })),
        ...Array.from({ length: 30 }, (_, n) => ({ type: 'cpu', payload: { key: `c${n}`, n } })),
      ]);
      await drained(queue, 'every job');
      const starts = readJournal(journal).filter((l) => l.kind === 'start');
      const disk = starts.filter((l) => l.type === 'disk');
      expect(disk).toHaveLength(30);
      expect(new Set(starts.map((l) => l.id)).size).toBe(60);
      expect(Math.max(...disk.map((l) => l.seenType))).toBe(4);
      expect(new Set(disk.map((l) => l.pid)).size).toBe(2);
      // The other type ran beside the limited one: some cpu job started while disk jobs ran.
      const cpuBesideDisk = readJournal(journal).some((l, i, all) => {
        if (l.kind !== 'start' || l.type !== 'cpu') return false;
        const before = all.slice(0, i).filter((x) => x.type === 'disk');
        return before.filter((x) => x.kind === 'start').length > before.filter((x) => x.kind === 'end').length;
      });
      expect(cpuBesideDisk).toBe(true);
    });

    it('a per-key limit holds across processes; busy keys do not hold back the others; each key runs in order', async () => {
      const { store, dir, journal } = setup();
      const limits: Limits = { notify: { group: 1 } };
      const queue = producer(store, limits);
      const keys = ['kodi', 'plex', 'jelly', 'emby'];
      await Promise.all([worker(store, dir, journal, limits, 3), worker(store, dir, journal, limits, 3)]);
      await queue.addJobs(Array.from({ length: 40 }, (_, n) => ({ type: 'notify', payload: { key: keys[n % 4]!, n } })));
      await drained(queue, 'every job');
      const starts = readJournal(journal).filter((l) => l.kind === 'start');
      expect(starts).toHaveLength(40);
      expect(Math.max(...starts.map((l) => l.seenKey))).toBe(1);
      expect(Math.max(...starts.map((l) => l.seenType))).toBeGreaterThan(1);
      for (const key of keys) {
        const order = starts.filter((l) => l.key === key).map((l) => l.n);
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
    });

    it('a rate limit holds across processes: no more than max starts in any window, per type and per key', async () => {
      const { store, dir, journal } = setup();
      // Per type: 3 starts per 600 ms; per key: 1 per 600 ms. Each process alone could
      // start far more (4 workers, 5 ms jobs): the windows are what hold them back.
      const limits: Limits = { api: { rate: { max: 3, durationMs: 600 } }, sync: { group: 4, groupRate: { max: 1, durationMs: 600 } } };
      const queue = producer(store, limits);
      await Promise.all([worker(store, dir, journal, limits, 4, 5), worker(store, dir, journal, limits, 4, 5)]);
      await queue.addJobs([
        ...Array.from({ length: 12 }, (_, n) => ({ type: 'api', payload: { key: 'a', n } })),
        ...Array.from({ length: 9 }, (_, n) => ({ type: 'sync', payload: { key: `k${n % 3}`, n } })),
      ]);
      await drained(queue, 'every job');
      const starts = readJournal(journal).filter((l) => l.kind === 'start');
      const api = starts.filter((l) => l.type === 'api');
      const sync = starts.filter((l) => l.type === 'sync');
      expect(api).toHaveLength(12);
      expect(sync).toHaveLength(9);
      expect(new Set(starts.map((l) => l.id)).size).toBe(21);
      expect(mostInWindow(api, 600)).toBe(3);
      expect(mostInWindow(sync, 600, (l) => l.key)).toBe(1);
      // Three keys, one start each per window: keys do not wait for each other.
      expect(mostInWindow(sync, 600)).toBe(3);
      expect(new Set(starts.map((l) => l.pid)).size).toBe(2);
      // Held jobs were never attempted before they ran: no job failed or ran twice.
      expect(await queue.getStats()).toMatchObject({ failed: 0 });
    });

    it('a pause stored by one process stops the others at their next claim; running jobs finish', async () => {
      const { store, dir, journal } = setup();
      const queue = producer(store, { t: {} });
      await worker(store, dir, journal, { t: {} }, 2, 300);
      await queue.addJob({ type: 't', payload: { key: 'first', n: 0 } });
      await waitFor(() => readJournal(journal).some((l) => l.kind === 'start'), 20_000, 'the first job to start');
      await queue.pause();
      await queue.addJobs(Array.from({ length: 5 }, (_, n) => ({ type: 't', payload: { key: 'later', n: n + 1 } })));
      await waitFor(() => readJournal(journal).some((l) => l.kind === 'end'), 20_000, 'the running job to finish');
      await sleep(400);
      expect(
        readJournal(journal)
          .filter((l) => l.kind === 'start')
          .map((l) => l.n),
      ).toEqual([0]);
      expect((await queue.getStats()).byType.t).toMatchObject({ pending: 5, paused: true, workers: 1 });
      await queue.resume();
      await drained(queue, 'the jobs after resume');
      expect(readJournal(journal).filter((l) => l.kind === 'start')).toHaveLength(6);
    });

    it("processes registering different types split the work and never touch each other's jobs", async () => {
      const { store, dir, journal } = setup();
      const queue = producer(store, { email: {}, thumb: {} });
      await queue.addJobs(Array.from({ length: 30 }, (_, n) => ({ type: n % 2 ? 'email' : 'thumb', payload: { key: 'k', n } })));
      const [emails, thumbs] = await Promise.all([worker(store, dir, journal, { email: {} }), worker(store, dir, journal, { thumb: {} })]);
      await drained(queue, 'every job');
      const starts = readJournal(journal).filter((l) => l.kind === 'start');
      expect(starts).toHaveLength(30);
      expect(new Set(starts.filter((l) => l.pid === emails.pid).map((l) => l.type))).toEqual(new Set(['email']));
      expect(new Set(starts.filter((l) => l.pid === thumbs.pid).map((l) => l.type))).toEqual(new Set(['thumb']));
      const stats = await queue.getStats();
      expect(stats).toMatchObject({ workers: 2, failed: 0 });
    });
  });
}
