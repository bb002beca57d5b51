/**
 * Hears that work became ready anywhere on a Redis queue. The scripts publish the new
 * value of the queue's `seq` counter on its `work` channel whenever a job becomes ready,
 * so an idle node is woken at once and costs Redis nothing. Messages sent while the
 * subscriber reconnects are lost, so a slow poll of the counter covers those moments.
 */
import type { Redis } from 'ioredis';

/** Poll at least this often, whatever the caller asks: pub/sub does the fast path. */
const MIN_POLL_MS = 1000;

/**
 * Calls `onChange` on every announcement, and when the counter moved between two polls.
 * Returns a function that stops watching (and closes the subscriber connection).
 */
export function watchWork(redis: Redis, base: string, onChange: () => void, intervalMs: number): () => void {
  const key = `${base}seq`;
  let last: string | null | undefined;
  let stopped = false;
  const check = async (): Promise<void> => {
    try {
      const current = await redis.get(key);
      if (!stopped && last !== undefined && current !== last) onChange();
      last = current;
    } catch {
      // A watcher only hints; the next real operation reports the storage error.
    }
  };
  const sub = redis.duplicate({ lazyConnect: true });
  sub.on('message', (_channel: string, value: string) => {
    last = value;
    if (!stopped) onChange();
  });
  sub.on('error', () => {
    // Reconnecting is ioredis's job; the poll covers the gap.
  });
  // A failure here only delays hints (the poll still runs); ioredis retries the connection.
  sub
    .connect()
    .then(() => sub.subscribe(`${base}work`))
    .catch(() => {});
  void check();
  const timer = setInterval(() => void check(), Math.max(MIN_POLL_MS, intervalMs));
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
    sub.disconnect();
  };
}
