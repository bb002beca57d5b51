// The queue panel: counts per state and type, the running jobs with their progress, the
// failed jobs, and the "Scan library" button.
//
// One source of truth: the stored jobs. Each `stats` event (the library's `getStats()`,
// sent after jobs change state and when other processes changed the counts) is the signal
// to read the running and failed jobs again; the counts and both lists are then drawn
// together, so the tiles and the lists never tell two stories. Jobs events only move
// progress bars and count the jobs finished since the page opened (finished jobs are not
// stored, so that count exists only here).
import { api } from './api.js';
import { el } from './dom.js';
import { statusText } from './follow.js';
import { STATES, subject } from './jobText.js';
import { keyedRows } from './keyedRows.js';

const MAX_RUNNING = 50;
const MAX_FAILED = 5;
const NO_STATS = { pending: 0, delayed: 0, processing: 0, failed: 0, byType: {} };

/** The first line of a stored error (its stack frames are not sent by the API). */
function firstLine(text) {
  return (text ?? '').split('\n')[0];
}

/** What a finished scan found, from its result (`ScanMovieResult`). */
function scanSummary(result) {
  if (typeof result?.found !== 'number') return '';
  const movies = `${result.found} ${result.found === 1 ? 'movie' : 'movies'} found`;
  return `${movies} (${result.new} new, ${result.changed} changed, ${result.removed} removed), ${result.enqueued} sent to enrichment`;
}

/**
 * @param follower the page's job follower (follow.js)
 * @param showJobs `(state)` shows the job browser filtered to a state
 */
export function createQueuePanel(follower, showJobs) {
  const done = new Map(); // type -> jobs completed since the page opened
  let stats = NO_STATS;
  let running = []; // stored jobs in state processing (the first MAX_RUNNING)
  let failed = []; // retained failed jobs (the first MAX_FAILED)
  let latest = null; // counts not drawn yet
  let refreshing = false;
  let readFailed = false;

  const byTypeBody = document.getElementById('by-type');
  const runningList = document.getElementById('running');
  const runningMore = document.getElementById('running-more');
  const failureList = document.getElementById('failures');
  const failedMore = document.getElementById('failures-more');
  const failureStatus = document.getElementById('failure-status');
  const showFailed = document.getElementById('failures-all');
  showFailed.addEventListener('click', () => showJobs('failed'));
  // Both lists keep their items by job id, so a refresh never takes the focus from a Retry button.
  const runningRows = keyedRows(runningList, {
    key: (job) => String(job.id),
    create: runningItem,
    update: (r, job) => r.node.querySelector('progress').replaceWith(progressBar(job)),
  });
  const failureRows = keyedRows(failureList, {
    key: (job) => String(job.id),
    create: failureItem,
    update: (r, job) => (r.node.querySelector('.job-error').textContent = firstLine(job.lastError) || 'failed'),
  });

  function renderCounts() {
    for (const state of STATES) document.getElementById(`count-${state}`).textContent = String(stats[state]);
    document.getElementById('count-done').textContent = String([...done.values()].reduce((a, b) => a + b, 0));
    const types = [...new Set([...Object.keys(stats.byType), ...done.keys()])].sort();
    byTypeBody.replaceChildren();
    if (types.length === 0) {
      byTypeBody.append(el('tr', { class: 'empty' }, el('td', { colspan: 6, text: 'No jobs yet' })));
      return;
    }
    for (const type of types) {
      const c = stats.byType[type] ?? NO_STATS;
      const cell = (n, state) => el('td', { class: n > 0 ? state : 'zero', 'data-state': state, text: String(n) });
      byTypeBody.append(
        el(
          'tr',
          { 'data-type': type },
          el('th', { scope: 'row', text: type }),
          ...STATES.map((state) => cell(c[state], state)),
          cell(done.get(type) ?? 0, 'done'),
        ),
      );
    }
  }

  function progressBar(job) {
    const pct = typeof job.progress === 'number' ? Math.max(0, Math.min(100, job.progress)) : null;
    // Progress that is not a percentage (e.g. `{ enqueued: 3, of: 10 }`) shows as busy.
    return pct === null
      ? el('progress', { 'aria-label': `${job.type} progress` })
      : el('progress', { max: 100, value: pct, 'aria-label': `${job.type} progress` });
  }

  /** A job's type, subject and id, the first line of its item. */
  function jobLine(job) {
    return el(
      'div',
      { class: 'job-line' },
      el('span', { class: 'job-type', text: job.type }),
      el('span', { class: 'job-subject', text: subject(job) }),
      el('span', { class: 'job-id', text: `#${job.id}` }),
    );
  }

  /** The item of a running job (`data-key`: its id). */
  function runningItem(job) {
    const node = el('li', { class: 'job', 'data-key': job.id }, jobLine(job), progressBar(job));
    return { node };
  }

  /** The item of a failed job, with its Retry button (`data-key`: its id). */
  function failureItem(job) {
    const retry = el('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Retry job ${job.id}`, text: 'Retry' });
    retry.addEventListener('click', () => void retryJob(job, retry));
    const node = el('li', { class: 'job job-failed', 'data-key': job.id }, jobLine(job), el('p', { class: 'job-error' }), retry);
    return { node };
  }

  function renderRunning() {
    if (running.length === 0) runningRows.placeholder(el('li', { class: 'empty', text: 'Nothing is running' }));
    else runningRows.show(running);
    const more = stats.processing - running.length;
    runningMore.textContent = more > 0 ? `and ${more} more` : '';
  }

  function renderFailures() {
    if (failed.length === 0) failureRows.placeholder(el('li', { class: 'empty', text: 'No failures' }));
    else failureRows.show(failed);
    const more = stats.failed - failed.length;
    failedMore.textContent = more > 0 ? `and ${more} more` : '';
    showFailed.hidden = stats.failed === 0;
  }

  function setFailureStatus(text, kind) {
    failureStatus.textContent = text;
    failureStatus.className = `form-status ${kind}`;
  }

  let stopFollowingRetry = () => {};
  async function retryJob(job, button) {
    button.disabled = true;
    try {
      const since = follower.mark();
      await api(`/jobs/${encodeURIComponent(job.id)}/retry`, { method: 'POST' });
      stopFollowingRetry();
      stopFollowingRetry = follower.follow(job.id, since, (status) =>
        setFailureStatus(...statusText(`Retry of ${job.type}`, job.id, status)),
      );
      await reload();
    } catch (error) {
      setFailureStatus(`${job.type} #${job.id} not retried: ${error.message}`, 'error');
    } finally {
      button.disabled = false;
    }
  }

  /** Reads the lists the counts `next` call for, then draws counts and lists at once. */
  async function refresh(next) {
    latest = next;
    if (refreshing) return; // the running refresh draws `latest` next
    refreshing = true;
    try {
      while (latest) {
        const counts = latest;
        latest = null;
        // No job in a state: no list to read, by the same definition.
        const [r, f] = await Promise.all([
          counts.processing > 0 ? api(`/jobs?state=processing&limit=${MAX_RUNNING}`) : { jobs: [] },
          counts.failed > 0 ? api(`/jobs?state=failed&limit=${MAX_FAILED}`) : { jobs: [] },
        ]);
        stats = counts;
        running = r.jobs;
        failed = f.jobs;
        renderCounts();
        renderRunning();
        renderFailures();
        if (readFailed) setFailureStatus('', '');
        readFailed = false;
      }
    } catch (error) {
      // The counts stay as they were; the next `stats` event tries again.
      readFailed = true;
      setFailureStatus(`Could not read the jobs: ${error.message}`, 'error');
    } finally {
      refreshing = false;
    }
  }

  /** Reads the counts now (after an action of this page), without waiting for an event. */
  async function reload() {
    await refresh(await api('/jobs/stats'));
  }

  /** Loads what the page needs besides the counts: the library "Scan library" scans. */
  async function load() {
    const library = await api('/library').catch(() => null);
    if (library) {
      document.getElementById('library-path').textContent = `Library: ${library.libraryPath}`;
      setupScan(library.libraryPath);
    }
  }

  let scanReady = false;
  function setupScan(libraryPath) {
    if (scanReady) return;
    scanReady = true;
    const button = document.getElementById('scan-button');
    const status = document.getElementById('scan-status');
    const show = (text, kind) => {
      status.textContent = text;
      status.className = `form-status ${kind}`;
    };
    let stopFollowing = () => {};
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const since = follower.mark();
        const { id } = await api('/jobs', {
          method: 'POST',
          body: { type: 'scan-movie', payload: { libraryPath, manual: true }, manual: true },
        });
        // The line follows the newest scan to its end.
        stopFollowing();
        stopFollowing = follower.follow(id, since, (s) => show(...statusText('Scan', id, s, scanSummary)));
      } catch (error) {
        show(`Scan not queued: ${error.message}`, 'error');
      } finally {
        button.disabled = false;
      }
    });
  }

  /** Applies one server-sent event. */
  function onEvent(name, data) {
    switch (name) {
      case 'stats':
        void refresh(data);
        return;
      case 'job:progress': {
        const job = running.find((j) => j.id === data.job.id);
        if (job) {
          job.progress = data.progress;
          renderRunning();
        }
        return;
      }
      case 'job:completed':
        done.set(data.job.type, (done.get(data.job.type) ?? 0) + 1);
        renderCounts();
        return;
      default:
        return;
    }
  }

  renderCounts();
  return { load, onEvent, reload };
}
