// Following a job this page queued (a scan, a "Run now", a retry) to its outcome.
//
// Finished jobs are deleted, so their outcome is known only from the event stream: the
// last event of each job is remembered (the most recent few hundred), which also covers an
// outcome that arrives before the request that queued the job has answered. Events are
// numbered, so that an outcome from before an action (a retried job failed once already)
// is not taken for the outcome of the action.
import { api } from './api.js';

const REMEMBERED = 500;

/** `1.2 s`, `350 ms`. */
function duration(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The first line of an error message (stored errors may carry more). */
function reason(error) {
  return String(error?.message ?? error ?? 'no reason given').split('\n')[0];
}

/**
 * What a followed job's status says, and how it looks (`ok`, `error` or neutral).
 * `summary(result)` may add what a finished job returned.
 */
export function statusText(label, id, status, summary) {
  const job = `job #${id}`;
  switch (status.state) {
    case 'queued':
      return [`${label} queued (${job})`, 'ok'];
    case 'running': {
      const pct = typeof status.progress === 'number' ? ` ${Math.round(status.progress)} %` : '';
      return [`${label} running (${job})${pct}…`, ''];
    }
    case 'retrying':
      return [
        `${label}: attempt ${status.attempt ?? '?'} failed (${job}): ${reason(status.error)}; next attempt at ${new Date(status.nextRunAt).toLocaleTimeString()}`,
        'error',
      ];
    case 'completed': {
      const extra = summary?.(status.result);
      return [`${label} finished (${job}) in ${duration(status.durationMs)}${extra ? `: ${extra}` : ''}`, 'ok'];
    }
    case 'failed':
      return [`${label} failed (${job}): ${reason(status.error)}`, 'error'];
    case 'cancelling':
      return [`Cancelling ${label} (${job})…`, ''];
    case 'cancelled':
      return [`${label} cancelled (${job})`, 'ok'];
    case 'gone':
      return [`${label} ended (${job}) while the page was disconnected: its outcome was not seen`, ''];
    default:
      return [`${label}: ${status.state} (${job})`, ''];
  }
}

export function createJobFollower() {
  let seq = 0;
  const last = new Map(); // job id -> its latest status, with the event's number
  const watchers = new Map(); // job id -> Set of { notify }

  function record(id, status) {
    const entry = { ...status, seq: ++seq };
    last.delete(id);
    last.set(id, entry);
    if (last.size > REMEMBERED) last.delete(last.keys().next().value);
    for (const w of watchers.get(id) ?? []) w.notify(entry);
  }

  /** Applies one server-sent event. */
  function onEvent(name, data) {
    const id = data?.job?.id;
    if (id === undefined) return;
    switch (name) {
      case 'job:started':
        return record(id, { state: 'running', progress: data.job.progress });
      case 'job:progress':
        return record(id, { state: 'running', progress: data.progress });
      case 'job:retrying':
        return record(id, { state: 'retrying', error: data.error, attempt: data.attempt, nextRunAt: data.nextRunAt });
      case 'job:stalled':
        // Its worker died: it goes back to waiting (or fails, which job:failed then says).
        return record(id, { state: 'queued' });
      case 'job:completed':
        return record(id, { state: 'completed', result: data.result, durationMs: data.durationMs, final: true });
      case 'job:failed':
        return record(id, { state: 'failed', error: data.error, attempts: data.attempts, final: true });
      case 'job:cancelled':
        return record(id, { state: 'cancelled', final: true });
      default:
    }
  }

  /** The number to pass to `follow` as `since`: take it before sending the request. */
  function mark() {
    return seq;
  }

  /**
   * Calls `onStatus(status)` now and on every later event of job `id` until it ends;
   * only events numbered after `since` count (before any, the status is `initial`).
   * Returns a function that stops following.
   */
  function follow(id, since, onStatus, initial = { state: 'queued' }) {
    id = String(id);
    const known = last.get(id);
    const current = known && known.seq > since ? known : initial;
    onStatus(current);
    if (current.final) return () => {};
    const watcher = {
      notify: (status) => {
        onStatus(status);
        if (status.final) stop();
      },
    };
    const set = watchers.get(id) ?? new Set();
    set.add(watcher);
    watchers.set(id, set);
    function stop() {
      set.delete(watcher);
      if (set.size === 0) watchers.delete(id);
    }
    return stop;
  }

  /**
   * After the event stream was cut, asks the API about each followed job: events of the
   * gap are lost, and a job that is no longer stored has ended (how, nobody here saw).
   */
  async function recheck() {
    await Promise.all(
      [...watchers.keys()].map(async (id) => {
        try {
          const job = await api(`/jobs/${encodeURIComponent(id)}`);
          if (job.state === 'failed') record(id, { state: 'failed', error: job.lastError, final: true });
          else if (job.state === 'processing') record(id, { state: 'running', progress: job.progress });
          else if (job.lastError) record(id, { state: 'retrying', error: job.lastError, attempt: job.attempts, nextRunAt: job.runAt });
          else record(id, { state: 'queued' });
        } catch (error) {
          if (error.status === 404) record(id, { state: 'gone', final: true });
        }
      }),
    );
  }

  /** The last status seen of job `id`, or undefined. */
  function lastStatus(id) {
    return last.get(String(id));
  }

  return { onEvent, mark, follow, recheck, lastStatus };
}
