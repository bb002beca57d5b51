// The job browser: the stored jobs, filtered by state and type, a page at a time, with
// their details, cancel (waiting or running jobs) and retry (failed jobs), all through the
// REST API. Finished jobs are not stored, so they are not here (the queue panel counts
// them). The page is read again on every `stats` event; rows are updated in place, so a
// refresh never takes the keyboard focus away from a button.
import { api } from './api.js';
import { el } from './dom.js';
import { statusText } from './follow.js';
import { createJobDetails } from './jobDetails.js';
import { STATES, attemptsText, stateBadge, stateLabel, stateOf, subject } from './jobText.js';
import { keyedRows } from './keyedRows.js';
import { setTime } from './time.js';

const PAGE_SIZE = 20;

/** @param follower the page's job follower (follow.js) */
export function createJobBrowser(follower) {
  const card = document.getElementById('jobs');
  const stateSelect = document.getElementById('jobs-state');
  const typeSelect = document.getElementById('jobs-type');
  const body = document.getElementById('jobs-body');
  const range = document.getElementById('jobs-range');
  const prev = document.getElementById('jobs-prev');
  const next = document.getElementById('jobs-next');
  const status = document.getElementById('jobs-status');
  const rows = keyedRows(body, { key: (job) => job.id, create: (job) => makeRow(job.id), update: fill });
  let offset = 0;
  let stats = null;
  let loading = false;
  let again = false;

  function setStatus(text, kind) {
    status.textContent = text;
    status.className = `form-status ${kind}`;
  }

  // The status line follows the job of the last action to its end.
  let stopFollowing = () => {};
  const actions = {
    async cancel(job) {
      const since = follower.mark();
      try {
        const { result } = await api(`/jobs/${encodeURIComponent(job.id)}`, { method: 'DELETE' });
        // A waiting job is deleted at once; a running one stops when its handler returns.
        const initial = result === 'cancelled' ? { state: 'cancelled', final: true } : { state: 'cancelling' };
        stopFollowing();
        stopFollowing = follower.follow(job.id, since, (s) => setStatus(...statusText(job.type, job.id, s)), initial);
      } catch (error) {
        setStatus(`${job.type} (job #${job.id}) not cancelled: ${error.message}`, 'error');
      }
      await load();
    },
    async retry(job) {
      const since = follower.mark();
      try {
        await api(`/jobs/${encodeURIComponent(job.id)}/retry`, { method: 'POST' });
        stopFollowing();
        stopFollowing = follower.follow(job.id, since, (s) => setStatus(...statusText(`Retry of ${job.type}`, job.id, s)));
      } catch (error) {
        setStatus(`${job.type} (job #${job.id}) not retried: ${error.message}`, 'error');
      }
      await load();
    },
  };
  const details = createJobDetails({ follower, actionButtons });

  /** Cancel for a waiting or running job, Retry for a failed one. */
  function actionButtons(job, state) {
    const button = (text, action) => {
      const b = el('button', { type: 'button', class: 'btn btn-small', 'aria-label': `${text} job ${job.id}`, text });
      b.addEventListener('click', async () => {
        b.disabled = true;
        try {
          await action(job);
        } finally {
          b.disabled = false;
        }
        await details.refresh();
      });
      return b;
    };
    if (state === 'failed') return [button('Retry', actions.retry)];
    return [button('Cancel', actions.cancel)];
  }

  /** A row's record: its element as `node`, with the parts `fill` changes. */
  function makeRow(id) {
    const detailsButton = el('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Details of job ${id}`, text: 'Details' });
    detailsButton.addEventListener('click', () => details.open(id, detailsButton));
    // `data-label` names each cell where a narrow panel shows a row as a small card.
    const r = {
      job: el('th', { scope: 'row', class: 'job-cell' }),
      state: el('td', { class: 'state', 'data-label': 'State' }),
      attempts: el('td', { class: 'attempts', 'data-label': 'Attempts' }),
      runAt: el('td', { class: 'time', 'data-label': 'Run time' }),
      actions: el('td', { class: 'row-actions' }),
      details: detailsButton,
      shownState: null,
    };
    r.node = el('tr', { 'data-job': id }, r.job, r.state, r.attempts, r.runAt, r.actions);
    return r;
  }

  function fill(r, job) {
    const state = stateOf(job, stateSelect.value);
    r.node.dataset.state = state;
    r.job.replaceChildren(
      el('span', { class: 'job-type', text: job.type }),
      ' ',
      el('span', { class: 'job-id', text: `#${job.id}` }),
      el('span', { class: 'job-subject', text: subject(job) }),
    );
    r.state.replaceChildren(stateBadge(state));
    r.attempts.textContent = attemptsText(job);
    setTime(r.runAt, job.runAt, '');
    // Buttons are made again only when the state changes, so a focused one stays.
    if (r.shownState !== state) {
      r.shownState = state;
      r.actions.replaceChildren(el('div', { class: 'button-row' }, r.details, ...actionButtons(job, state)));
    }
  }

  function showMessage(text) {
    rows.placeholder(el('tr', { class: 'empty' }, el('td', { colspan: 5, text })));
  }

  /** How many jobs the filter matches, by the counts of `getStats()`. */
  function matching() {
    if (!stats) return null;
    const type = typeSelect.value;
    const counts = type ? stats.byType[type] : stats;
    if (!counts) return 0;
    const state = stateSelect.value;
    return state ? counts[state] : STATES.reduce((sum, s) => sum + counts[s], 0);
  }

  function render(jobs, more) {
    if (jobs.length === 0) {
      const state = stateSelect.value ? `${stateLabel(stateSelect.value).toLowerCase()} ` : '';
      const type = typeSelect.value ? ` of type ${typeSelect.value}` : '';
      showMessage(`No ${state}jobs${type}`);
    } else {
      rows.show(jobs); // in the server's order
    }
    const shown = jobs.length;
    const total = Math.max(matching() ?? 0, offset + shown + (more ? 1 : 0));
    range.textContent = shown === 0 ? '' : `${offset + 1}–${offset + shown} of ${total}`;
    prev.disabled = offset === 0;
    next.disabled = !more;
    // A pager button that just became disabled would drop the focus to the page.
    if (document.activeElement === prev && prev.disabled) (next.disabled ? stateSelect : next).focus();
    if (document.activeElement === next && next.disabled) (prev.disabled ? stateSelect : prev).focus();
  }

  /** Reads the page shown (again); calls made while one runs are merged into one more read. */
  async function load() {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      do {
        again = false;
        const query = new URLSearchParams({ limit: String(PAGE_SIZE + 1), offset: String(offset) });
        if (stateSelect.value) query.set('state', stateSelect.value);
        if (typeSelect.value) query.set('type', typeSelect.value);
        const { jobs } = await api(`/jobs?${query}`);
        if (jobs.length === 0 && offset > 0) {
          // The last page emptied (its jobs ended): show the one before.
          offset = Math.max(0, offset - PAGE_SIZE);
          again = true;
          continue;
        }
        render(jobs.slice(0, PAGE_SIZE), jobs.length > PAGE_SIZE);
      } while (again);
    } catch (error) {
      showMessage(`Could not load the jobs: ${error.message}`);
    } finally {
      loading = false;
    }
  }

  /** The type menu: every type with stored jobs, and the one chosen even when it has none left. */
  function updateTypes() {
    const chosen = typeSelect.value;
    const types = [...new Set([...Object.keys(stats?.byType ?? {}), ...(chosen ? [chosen] : [])])].sort();
    const shown = [...typeSelect.options].slice(1).map((o) => o.value);
    if (types.join('\n') === shown.join('\n')) return;
    typeSelect.replaceChildren(el('option', { value: '', text: 'All types' }), ...types.map((t) => el('option', { value: t, text: t })));
    typeSelect.value = chosen;
  }

  for (const select of [stateSelect, typeSelect]) {
    select.addEventListener('change', () => {
      offset = 0;
      void load();
    });
  }
  prev.addEventListener('click', () => {
    offset = Math.max(0, offset - PAGE_SIZE);
    void load();
  });
  next.addEventListener('click', () => {
    offset += PAGE_SIZE;
    void load();
  });

  /** Applies one server-sent event. */
  function onEvent(name, data) {
    if (name === 'stats') {
      stats = data;
      updateTypes();
      void load();
      details.refresh();
    } else {
      details.onEvent(name, data);
    }
  }

  /** Shows the jobs of one state (from elsewhere on the page), and moves there. */
  function show(state) {
    stateSelect.value = state;
    typeSelect.value = '';
    offset = 0;
    void load();
    card.scrollIntoView({ block: 'start' });
    stateSelect.focus({ preventScroll: true });
  }

  return { load, onEvent, show };
}
