// The queue's controls: whether it runs or is paused, with Pause/Resume for the whole
// queue; the job types with the limits in force, their live workers and a Pause/Resume
// each; and a warning for waiting jobs that no running worker can take.
//
// A pause is stored with the jobs, so it holds in every process sharing the database, and
// the page learns of every change (its own, the CLI's, another server's) from the `stats`
// events. The types and their limits come from `GET /api/queue/types` (this server's
// registrations), read again when the stats say that a type, a pause or a worker count
// changed. Rows are updated in place, so a refresh never takes the focus from a button.
import { api } from './api.js';
import { el } from './dom.js';
import { keyedRows } from './keyedRows.js';

const UNITS = [
  [3_600_000, 'hour'],
  [60_000, 'minute'],
  [1000, 'second'],
];

/** `second`, `10 s`, `minute`, `250 ms`: the window of a rate limit. */
function windowText(ms) {
  const unit = UNITS.find(([size]) => ms === size);
  if (unit) return unit[1];
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** `40 per second`: a rate limit; fields besides `max` and `durationMs` are named as they come. */
function rateText(rate) {
  const { max, durationMs, ...rest } = rate;
  const known = typeof max === 'number' && typeof durationMs === 'number' ? [`${max} per ${windowText(durationMs)}`] : [];
  return [...known, ...Object.entries(rest).map(([name, value]) => `${name} ${value}`)].join(', ');
}

/** The limits in force on a type, one short line each. */
export function limitLines(t) {
  if (!t.registered) return ['not registered on this server'];
  const lines = [];
  if (t.concurrency !== null) lines.push(`${t.concurrency} at a time`);
  if (t.rateLimit) lines.push(rateText(t.rateLimit));
  if (t.group) {
    lines.push(`${t.group.concurrency} at a time per key`);
    if (t.group.rateLimit) lines.push(`${rateText(t.group.rateLimit)} per key`);
  }
  return lines.length > 0 ? lines : ['no limit'];
}

/** What the stats say that the types table shows: types, pauses, workers. */
function signature(stats) {
  return JSON.stringify([stats.paused, stats.pausedTypes, stats.workers, Object.entries(stats.byType).map(([t, c]) => [t, c.workers])]);
}

export function createControlsPanel() {
  const runState = document.getElementById('queue-run-state');
  const workers = document.getElementById('queue-workers');
  const pauseButton = document.getElementById('queue-pause');
  const pauseStatus = document.getElementById('pause-status');
  const withoutWorker = document.getElementById('without-worker');
  const body = document.getElementById('types-body');
  const typesStatus = document.getElementById('types-status');
  const rows = keyedRows(body, { key: (t) => t.type, create: (t) => makeRow(t.type), update: fill });
  let queuePaused = null;
  let seen = '';
  let loading = false;
  let again = false;

  function setStatus(line, text, kind) {
    line.textContent = text;
    line.className = `form-status ${kind}`;
  }

  function showQueueState(paused, liveWorkers) {
    queuePaused = paused;
    runState.textContent = paused ? 'Paused' : 'Running';
    runState.className = `badge ${paused ? 'badge-paused' : 'badge-running'}`;
    pauseButton.textContent = paused ? 'Resume queue' : 'Pause queue';
    pauseButton.disabled = false;
    if (liveWorkers !== undefined) {
      workers.textContent = liveWorkers === 0 ? 'no worker running' : `${liveWorkers} ${liveWorkers === 1 ? 'worker' : 'workers'} running`;
    }
  }

  /** The waiting jobs no live worker can take, and their types. */
  function showWithoutWorker(stats) {
    const types = Object.entries(stats.byType)
      .filter(([, c]) => c.workers === 0 && c.pending + c.delayed > 0)
      .map(([t]) => t);
    withoutWorker.hidden = stats.withoutWorker === 0;
    const jobs = stats.withoutWorker === 1 ? '1 waiting job' : `${stats.withoutWorker} waiting jobs`;
    withoutWorker.textContent = `${jobs} no running worker can take: no live process registers ${types.join(', ') || 'their type'}.`;
  }

  async function setPaused(pause, type, button) {
    button.disabled = true;
    const what = type ?? 'The queue';
    const line = type ? typesStatus : pauseStatus;
    try {
      const answer = await api(`/queue/${pause ? 'pause' : 'resume'}`, { method: 'POST', body: type ? { type } : {} });
      showQueueState(answer.paused);
      let text;
      if (!answer.changed) text = `${what} was ${pause ? 'already paused' : 'not paused'}.`;
      else if (pause && type) text = `${type} is paused: its jobs wait, in every process, until you resume it; running ones finish.`;
      else if (pause) text = 'The queue is paused: no job starts, in any process, until you resume it; running jobs finish.';
      else text = type && answer.paused ? `${type} resumed; the whole queue is still paused.` : `${what} runs again.`;
      setStatus(line, text, 'ok');
    } catch (error) {
      setStatus(line, `${what} not ${pause ? 'paused' : 'resumed'}: ${error.message}`, 'error');
    } finally {
      button.disabled = false;
    }
    await loadTypes();
  }

  pauseButton.addEventListener('click', () => void setPaused(!queuePaused, null, pauseButton));

  /** A row's record: its element as `node`, with the parts `fill` changes. */
  function makeRow(type) {
    const button = el('button', { type: 'button', class: 'btn btn-small' });
    button.addEventListener('click', () => void setPaused(button.dataset.action === 'pause', type, button));
    // `data-label` names each cell where a narrow panel shows a row as a small card.
    const r = {
      state: el('span', { class: 'type-state' }),
      limits: el('td', { class: 'limits', 'data-label': 'Limits' }),
      workers: el('td', { class: 'workers', 'data-label': 'Workers' }),
      button,
    };
    r.node = el(
      'tr',
      { 'data-type': type },
      el('th', { scope: 'row' }, el('span', { class: 'type-name', text: type }), r.state),
      r.limits,
      r.workers,
      el('td', { class: 'pause' }, button),
    );
    return r;
  }

  function fill(r, t) {
    r.limits.replaceChildren(el('ul', { class: 'limit-list' }, ...limitLines(t).map((line) => el('li', { text: line }))));
    r.limits.classList.toggle('none', !t.registered || limitLines(t)[0] === 'no limit');
    r.workers.textContent = t.workers === null ? '–' : t.workers === 0 ? 'none' : String(t.workers);
    r.workers.title = t.workers === null ? 'counted while jobs of this type are stored' : '';
    r.workers.classList.toggle('warn', t.workers === 0);
    r.workers.classList.toggle('unknown', t.workers === null);
    r.state.replaceChildren(
      t.typePaused
        ? el('span', { class: 'badge badge-paused', text: 'Paused' })
        : t.paused
          ? el('span', { class: 'badge badge-held', text: 'Held by the queue pause' })
          : '',
    );
    const action = t.typePaused ? 'resume' : 'pause';
    r.button.dataset.action = action;
    r.button.textContent = t.typePaused ? 'Resume' : 'Pause';
    r.button.setAttribute('aria-label', `${t.typePaused ? 'Resume' : 'Pause'} ${t.type}`);
  }

  function showMessage(text) {
    rows.placeholder(el('tr', { class: 'empty' }, el('td', { colspan: 4, text })));
  }

  function render(types) {
    if (types.length === 0) {
      showMessage('No job types');
      return;
    }
    rows.show(types); // in the server's order
  }

  /** Reads the types (again); calls made while one runs are merged into one more read. */
  async function loadTypes() {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      do {
        again = false;
        const { types } = await api('/queue/types');
        render(types);
      } while (again);
      if (typesStatus.classList.contains('error')) setStatus(typesStatus, '', '');
    } catch (error) {
      // Rows already shown stay (with the error above them); an empty table says why.
      if (error.status === 401) showMessage('API key needed');
      else if (rows.size === 0) showMessage(`Could not read the job types: ${error.message}`);
      else setStatus(typesStatus, `Could not read the job types: ${error.message}`, 'error');
      throw error;
    } finally {
      loading = false;
    }
  }

  /** Applies one server-sent event. */
  function onEvent(name, data) {
    if (name !== 'stats') return;
    showQueueState(data.paused, data.workers);
    showWithoutWorker(data);
    const now = signature(data);
    if (now === seen) return;
    seen = now;
    loadTypes().catch(() => {});
  }

  return { load: loadTypes, onEvent };
}
