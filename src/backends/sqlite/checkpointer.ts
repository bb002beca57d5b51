/**
 * Background WAL checkpoints for a SQLite file.
 *
 * In WAL mode every commit appends pages to the `-wal` file, and by default the commit
 * that pushes the WAL past 1,000 pages also copies them back into the database file and
 * fsyncs it (an "automatic checkpoint"). That copy and its fsync run on the thread that
 * committed: for a queue, the event loop, which stalls for the whole fsync. Here a worker
 * thread with its own connection runs `PRAGMA wal_checkpoint(PASSIVE)` instead, shortly
 * after the WAL changed, so the event loop never waits for the disk. PASSIVE never blocks
 * a writer or a reader; the main connection keeps a high automatic-checkpoint threshold
 * as a backstop should this thread ever fall behind.
 *
 * If the thread fails, the caller is told (`onFailure`) and goes back to automatic
 * checkpoints: the WAL stays bounded and nothing is lost, only the speed-up.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** What {@link startCheckpointer} needs. */
export interface CheckpointerOptions {
  /** The database file (its `-wal` file is watched). */
  filename: string;
  /**
   * How often the thread looks at the WAL file, in ms.
   * @default 100
   */
  intervalMs?: number;
  /** Called once if the thread fails (it has then stopped). */
  onFailure: (error: Error) => void;
}

/** A running checkpoint thread. */
export interface Checkpointer {
  /** Stops the thread; resolves once it has closed its connection. */
  stop(): Promise<void>;
}

/**
 * The thread's code, evaluated as CommonJS so that it needs no file of its own next to
 * the bundle (the package ships ESM and CJS builds, and tests run the sources). It loads
 * the same better-sqlite3 the caller uses, by absolute path.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.driver);
// Failures are posted as text, never thrown: a thrown error reaches the parent as a bare
// copy whose message is lost (better-sqlite3's error class does not survive the copy).
const describe = (error) =>
  error && error.message ? (error.code ? error.code + ': ' : '') + error.message : String(error);
function open() {
  try {
    const db = new Database(workerData.filename, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 0');
      return { db, checkpoint: db.prepare('PRAGMA wal_checkpoint(PASSIVE)') };
    } catch (error) {
      db.close();
      throw error;
    }
  } catch (error) {
    parentPort.postMessage({ error: describe(error) });
    parentPort.close();
    return null;
  }
}
function run({ db, checkpoint }) {
  const wal = workerData.filename + '-wal';
  let seen = -1;
  const timer = setInterval(() => {
    try {
      let stamp;
      try {
        const s = statSync(wal);
        stamp = s.mtimeMs + s.size;
      } catch (error) {
        if (error && error.code === 'ENOENT') return;
        throw error;
      }
      if (stamp === seen) return;
      seen = stamp;
      checkpoint.get();
    } catch (error) {
      clearInterval(timer);
      db.close();
      parentPort.postMessage({ error: describe(error) });
    }
  }, workerData.intervalMs);
  parentPort.on('message', (message) => {
    if (message !== 'stop') return;
    clearInterval(timer);
    db.close();
    parentPort.close();
  });
}
const opened = open();
if (opened) run(opened);
`;

/** Path of the better-sqlite3 entry this module itself loads. */
function driverPath(): string {
  return createRequire(import.meta.url).resolve('better-sqlite3');
}

/**
 * Starts checkpointing `filename` in a worker thread. The thread does not keep the
 * process alive.
 *
 * @example
 * ```ts
 * db.pragma('wal_autocheckpoint = 10000'); // backstop only
 * const checkpointer = startCheckpointer({ filename, onFailure: () => db.pragma('wal_autocheckpoint = 1000') });
 * await checkpointer.stop();
 * ```
 */
export function startCheckpointer(options: CheckpointerOptions): Checkpointer {
  const worker = new Worker(THREAD_SOURCE, {
    eval: true,
    workerData: { filename: options.filename, driver: driverPath(), intervalMs: options.intervalMs ?? 100 },
  });
  worker.unref();
  let failed = false;
  let stopping = false;
  const fail = (error: Error): void => {
    // After stop() a failure is moot: the caller is closing this database anyway (and a
    // thread still starting may find its file already removed).
    if (failed || stopping) return;
    failed = true;
    options.onFailure(error);
  };
  worker.on('message', (message: { error?: string }) => {
    if (message.error !== undefined) fail(new Error(`WAL checkpoint thread failed: ${message.error}`));
  });
  // A thrown error arrives as a copy that may have lost its class and message.
  worker.on('error', (error: unknown) =>
    fail(
      new Error(
        `WAL checkpoint thread failed: ${error instanceof Error && error.message ? error.message : (JSON.stringify(error) ?? String(error))}`,
        { cause: error },
      ),
    ),
  );
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', (code) => {
      if (!stopping && code !== 0) fail(new Error(`WAL checkpoint thread exited with code ${code}`));
      resolve();
    });
  });
  return {
    async stop() {
      stopping = true;
      // Referenced again, so that the process waits for the thread to close its connection.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
