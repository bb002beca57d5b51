// The schedules panel: every recurring job with its trigger, last and next run (in the
// browser's local time), and a "Run now" button. Rows are updated in place, not rebuilt,
// so the periodic refresh never takes the keyboard focus away from a button.
import { api } from './api.js';
import { el } from './dom.js';
import { statusText } from './follow.js';
import { keyedRows } from './keyedRows.js';
import { setTime } from './time.js';

const REFRESH_MS = 5000;

/** `cron 30 3 * * *` (with its zone when it has one) or `every 90 s`. */
function triggerText(s) {
  if (s.cron !== null) return s.tz ? `${s.cron} (${s.tz})` : s.cron;
  return `every ${s.everyMs / 1000} s`;
}

/** @param follower the page's job follower (follow.js) */
export function createSchedulesPanel(follower) {
  const body = document.getElementById('schedules-body');
  const status = document.getElementById('schedule-status');
  const rows = keyedRows(body, { key: (s) => s.name, create: (s) => makeRow(s.name), update: fill });
  let timer = null;

  function showMessage(text) {
    rows.placeholder(el('tr', { class: 'empty' }, el('td', { colspan: 6, text })));
  }

  function setStatus(text, kind) {
    status.textContent = text;
    status.className = `form-status ${kind}`;
  }

  let stopFollowing = () => {};
  async function runNow(name, button) {
    button.disabled = true;
    try {
      const since = follower.mark();
      const { jobId } = await api(`/schedules/${encodeURIComponent(name)}/run`, { method: 'POST' });
      // The line follows the job of the last "Run now" to its end.
      stopFollowing();
      stopFollowing = follower.follow(jobId, since, (status) => setStatus(...statusText(name, jobId, status)));
    } catch (error) {
      setStatus(`${name} not run: ${error.message}`, 'error');
    } finally {
      button.disabled = false;
    }
    await load();
  }

  /** A row's record: its element as `node`, with the cells `fill` changes. */
  function makeRow(name) {
    const button = el('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Run ${name} now`, text: 'Run now' });
    button.addEventListener('click', () => void runNow(name, button));
    // `data-label` names each cell where a narrow panel shows a row as a small card.
    const r = {
      trigger: el('td', { class: 'trigger', 'data-label': 'Trigger' }),
      type: el('td', { class: 'job-type', 'data-label': 'Job type' }),
      last: el('td', { class: 'time', 'data-label': 'Last run' }),
      next: el('td', { class: 'time', 'data-label': 'Next run' }),
      button,
    };
    r.node = el(
      'tr',
      { 'data-schedule': name },
      el('th', { scope: 'row', text: name }),
      r.trigger,
      r.type,
      r.last,
      r.next,
      el('td', { class: 'run' }, button),
    );
    return r;
  }

  function fill(r, s) {
    r.trigger.textContent = triggerText(s);
    r.trigger.title = s.cron !== null ? 'cron pattern' : 'fixed interval';
    r.type.textContent = s.job.type;
    setTime(r.last, s.lastRunAt, 'never');
    setTime(r.next, s.nextRunAt, 'none');
  }

  function render(schedules) {
    if (schedules.length === 0) {
      showMessage('No schedules');
      return;
    }
    rows.show(schedules); // in the server's order
  }

  /** Loads the schedules; errors are shown in the table, and thrown (the page handles 401). */
  async function load() {
    try {
      const { schedules } = await api('/schedules');
      render(schedules);
    } catch (error) {
      showMessage(error.status === 401 ? 'API key needed' : `Could not load the schedules: ${error.message}`);
      throw error;
    }
  }

  function startRefresh() {
    if (timer !== null) return;
    timer = setInterval(() => {
      // The error is shown in the table already. Without a valid key, stop asking until
      // the page loads again with one; other errors may pass, so the next round retries.
      load().catch((error) => {
        if (error.status === 401) {
          clearInterval(timer);
          timer = null;
        }
      });
    }, REFRESH_MS);
  }

  return { load, startRefresh };
}
