// The queue panel: counts per state and type (from `stats` events), jobs done since the
// page opened (from `job:completed`), running jobs with progress, recent failures, and
// the "Scan library" button.
import { api } from './api.js';
import { el } from './dom.js';

const STATES = ['pending', 'delayed', 'processing', 'failed'];
const MAX_FAILURES = 10;

/** A short text saying what a job works on (a path, an entity) for the lists. */
function subject(job) {
  const p = job.payload ?? {};
  const path = p.moviePath ?? p.libraryPath;
  if (p.entityId !== undefined) return `${p.entityType ?? 'item'} #${p.entityId}`;
  if (typeof p.player === 'string') return `player ${p.player}`;
  if (typeof path === 'string') return path.split('/').filter(Boolean).slice(-1)[0] ?? path;
  return '';
}

function time(ms) {
  return new Date(ms).toLocaleTimeString();
}

export function createQueuePanel() {
  const done = new Map(); // type -> jobs completed since the page opened
  const running = new Map(); // id -> job
  const failures = []; // newest first: { job, message, at }
  let stats = { pending: 0, delayed: 0, processing: 0, failed: 0, byType: {} };

  const byTypeBody = document.getElementById('by-type');
  const runningList = document.getElementById('running');
  const failureList = document.getElementById('failures');

  function renderCounts() {
    for (const state of STATES) document.getElementById(`count-${state}`).textContent = String(stats[state]);
    document.getElementById('count-done').textContent = String([...done.values()].reduce((a, b) => a + b, 0));
    const types = [...new Set([...Object.keys(stats.byType), ...done.keys()])].sort();
    byTypeBody.replaceChildren();
    if (types.length === 0) {
      byTypeBody.append(el('tr', { class: 'empty' }, el('td', { colspan: 5, text: 'No jobs yet' })));
      return;
    }
    for (const type of types) {
      const c = stats.byType[type] ?? { pending: 0, delayed: 0, processing: 0, failed: 0 };
      const cell = (n, cls) => el('td', { class: n > 0 ? cls : 'zero', text: String(n) });
      byTypeBody.append(el('tr', { 'data-type': type },
        el('th', { scope: 'row', text: type }),
        cell(c.pending + c.delayed, 'pending'),
        cell(c.processing, 'running'),
        cell(c.failed, 'failed'),
        cell(done.get(type) ?? 0, 'done')));
    }
  }

  function renderRunning() {
    runningList.replaceChildren();
    if (running.size === 0) runningList.append(el('li', { class: 'empty', text: 'Nothing is running' }));
    for (const job of running.values()) {
      const pct = typeof job.progress === 'number' ? Math.max(0, Math.min(100, job.progress)) : null;
      const bar = pct === null
        ? el('progress', { 'aria-label': `${job.type} progress` })
        : el('progress', { max: 100, value: pct, 'aria-label': `${job.type} progress` });
      runningList.append(el('li', { class: 'job' },
        el('div', { class: 'job-line' }, el('span', { class: 'job-type', text: job.type }), el('span', { class: 'job-subject', text: subject(job) }), el('span', { class: 'job-id', text: `#${job.id}` })),
        bar));
    }
  }

  function renderFailures() {
    failureList.replaceChildren();
    if (failures.length === 0) failureList.append(el('li', { class: 'empty', text: 'No failures' }));
    for (const f of failures) {
      const retry = el('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Retry job ${f.job.id}`, text: 'Retry' });
      retry.addEventListener('click', async () => {
        retry.disabled = true;
        try {
          await api(`/jobs/${encodeURIComponent(f.job.id)}/retry`, { method: 'POST' });
          failures.splice(failures.indexOf(f), 1);
          renderFailures();
        } catch (error) {
          retry.disabled = false;
          retry.textContent = `Retry (${error.message})`;
        }
      });
      failureList.append(el('li', { class: 'job job-failed' },
        el('div', { class: 'job-line' }, el('span', { class: 'job-type', text: f.job.type }), el('span', { class: 'job-subject', text: subject(f.job) }), el('span', { class: 'job-id', text: time(f.at) })),
        el('p', { class: 'job-error', text: f.message }),
        f.retainable ? retry : el('span')));
    }
  }

  /** Loads what is already there: running jobs and retained failures. */
  async function load() {
    const [processing, failed, library] = await Promise.all([
      api('/jobs?state=processing&limit=50'),
      api(`/jobs?state=failed&limit=${MAX_FAILURES}`),
      api('/library').catch(() => null),
    ]);
    running.clear();
    for (const job of processing.jobs) running.set(job.id, job);
    failures.splice(0, failures.length, ...failed.jobs.map((job) => ({ job, message: job.lastError ?? 'failed', at: job.createdAt, retainable: true })));
    if (library) {
      document.getElementById('library-path').textContent = `Library: ${library.libraryPath}`;
      setupScan(library.libraryPath);
    }
    renderRunning();
    renderFailures();
  }

  let scanReady = false;
  function setupScan(libraryPath) {
    if (scanReady) return;
    scanReady = true;
    const button = document.getElementById('scan-button');
    const status = document.getElementById('scan-status');
    button.addEventListener('click', async () => {
      button.disabled = true;
      status.className = 'form-status';
      try {
        const { id } = await api('/jobs', {
          method: 'POST',
          body: { type: 'scan-movie', payload: { libraryPath, manual: true }, manual: true },
        });
        status.textContent = `Scan queued (job #${id})`;
        status.className = 'form-status ok';
      } catch (error) {
        status.textContent = `Scan not queued: ${error.message}`;
        status.className = 'form-status error';
      } finally {
        button.disabled = false;
      }
    });
  }

  /** Applies one server-sent event. */
  function onEvent(name, data) {
    switch (name) {
      case 'stats':
        stats = data;
        renderCounts();
        return;
      case 'job:started':
        running.set(data.job.id, data.job);
        break;
      case 'job:progress': {
        const job = running.get(data.job.id);
        if (job) job.progress = data.progress;
        break;
      }
      case 'job:completed':
        running.delete(data.job.id);
        done.set(data.job.type, (done.get(data.job.type) ?? 0) + 1);
        renderCounts();
        break;
      case 'job:retrying':
      case 'job:cancelled':
      case 'job:stalled':
        running.delete(data.job.id);
        break;
      case 'job:failed':
        running.delete(data.job.id);
        failures.unshift({ job: data.job, message: data.error?.message ?? 'failed', at: Date.now(), retainable: true });
        failures.splice(MAX_FAILURES);
        renderFailures();
        break;
      default:
        return;
    }
    renderRunning();
  }

  renderCounts();
  return { load, onEvent };
}
