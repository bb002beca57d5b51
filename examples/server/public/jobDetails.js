// One job's details in a dialog: everything the API tells of it (payload, attempts, last
// error, run time, progress, lease), read when the dialog opens and again while it stays
// open, with the same cancel and retry as the job browser's rows. A job that is no longer
// stored has ended: what the event stream said of its end is shown, when it was seen.
import { api } from './api.js';
import { el } from './dom.js';
import { statusText } from './follow.js';
import { attemptsText, stateBadge, stateOf } from './jobText.js';
import { relative, timeElement } from './time.js';

/** A time with how far from now: `Mon, Dec 14 05:00 AM (in 7 d)`. */
function when(ms) {
  return el('span', {}, timeElement(ms), ` (${relative(ms)})`);
}

function progressView(progress) {
  if (progress === null || progress === undefined) return 'none reported';
  if (typeof progress === 'number') {
    const pct = Math.max(0, Math.min(100, progress));
    return el(
      'span',
      { class: 'progress-line' },
      el('progress', { max: 100, value: pct, 'aria-label': 'Progress' }),
      ` ${Math.round(pct)} %`,
    );
  }
  return el('pre', { text: JSON.stringify(progress, null, 2) });
}

/**
 * @param deps.follower the page's job follower (follow.js)
 * @param deps.actionButtons `(job, state)` -> the Cancel or Retry button of the job browser
 */
export function createJobDetails({ follower, actionButtons }) {
  const dialog = document.getElementById('job-dialog');
  const title = document.getElementById('job-dialog-title');
  const content = document.getElementById('job-dialog-body');
  const buttons = document.getElementById('job-dialog-actions');
  let openId = null;
  let opener = null;
  let shown = null; // the job last shown, for its type once it is gone

  dialog.addEventListener('close', () => {
    openId = null;
    shown = null;
    // Back to the button that opened it (if its row is still there).
    if (opener?.isConnected) opener.focus();
    opener = null;
  });

  function render(job) {
    shown = job;
    const state = stateOf(job);
    title.textContent = `${job.type} #${job.id}`;
    const rows = [
      ['State', stateBadge(state)],
      ['Attempts', `${attemptsText(job)}${job.stalls > 0 ? ` (${job.stalls} stalled: their worker stopped)` : ''}`],
      ['Run time', when(job.runAt)],
      ['Created', when(job.createdAt)],
      ['Progress', progressView(job.progress)],
      ['Last error', job.lastError ? el('pre', { class: 'error-text', text: job.lastError }) : 'none'],
      ['Payload', el('pre', { text: JSON.stringify(job.payload, null, 2) })],
      ['Priority', `${job.priority} (1 runs first, 10 last)`],
      ['Time limit', job.timeoutMs === null ? 'none' : `${job.timeoutMs / 1000} s per attempt`],
      ['Dedupe key', job.dedupeKey ?? 'none'],
      ['Started by', job.manual ? 'a person' : 'the system'],
    ];
    if (job.lockedBy) rows.push(['Worker', el('span', {}, `${job.lockedBy}, lease until `, when(job.lockedUntil))]);
    content.replaceChildren(
      el(
        'dl',
        { class: 'details' },
        ...rows.flatMap(([name, value]) => [
          el('dt', { text: name }),
          el('dd', { 'data-field': name.toLowerCase().replace(/\s+/g, '-') }, value),
        ]),
      ),
    );
    buttons.replaceChildren(...actionButtons(job, state));
  }

  function renderGone(id) {
    const type = shown?.type ?? 'Job';
    title.textContent = shown ? `${shown.type} #${id}` : `Job #${id}`;
    const seen = follower.lastStatus(id);
    const outcome = seen?.final ? statusText(type, id, seen)[0] : null;
    content.replaceChildren(
      el('p', { text: `Job #${id} is no longer stored: it finished or was cancelled (finished jobs are not kept).` }),
      outcome ? el('p', { class: 'form-status', text: `Last seen: ${outcome}` }) : null,
    );
    buttons.replaceChildren();
  }

  /** Reads the open job again. */
  async function refresh() {
    const id = openId;
    if (id === null) return;
    try {
      const job = await api(`/jobs/${encodeURIComponent(id)}`);
      if (openId === id) render(job);
    } catch (error) {
      if (openId !== id) return;
      if (error.status === 404) renderGone(id);
      else content.replaceChildren(el('p', { class: 'form-status error', text: `Could not read job #${id}: ${error.message}` }));
    }
  }

  /** Opens the dialog on job `id`; `from` gets the focus back when it closes. */
  async function open(id, from) {
    openId = String(id);
    opener = from;
    title.textContent = `Job #${id}`;
    content.replaceChildren(el('p', { class: 'muted', text: 'Loading…' }));
    buttons.replaceChildren();
    if (!dialog.open) dialog.showModal();
    await refresh();
  }

  /** A job event: the open job's progress or state may have changed. */
  function onEvent(_name, data) {
    if (openId !== null && String(data?.job?.id) === openId) void refresh();
  }

  return { open, refresh, onEvent };
}
