// The libraries panel: every library the media pipeline serves, with its kind, folder and
// counts, Scan and Refresh buttons, and where its pipeline is (scan → enrich → publish →
// player sync), from GET /api/media/libraries.
//
// The server reads the stored jobs and the media tables for each answer, so the panel reads
// it again whenever the job counts change (each `stats` event), and every few seconds while
// a library is busy, in case events were lost: it ends at "Done" once nothing of the
// library waits or runs.
import { api } from './api.js';
import { el } from './dom.js';
import { statusText } from './follow.js';
import { keyedRows } from './keyedRows.js';

const KIND_LABELS = { movies: 'Movies', tvshows: 'TV shows' };
const PHASES = ['scan', 'enrich', 'publish', 'playerSync'];
const PHASE_LABELS = { scan: 'Scan', enrich: 'Enrich', publish: 'Publish', playerSync: 'Player sync' };
const PHASE_BUSY = { scan: 'Scanning', enrich: 'Enriching', publish: 'Publishing', playerSync: 'Syncing the players' };
const POLL_MS = 3000;

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

/** The folder's last segment, as a short name. */
function nameOf(path) {
  return path.split(/[\\/]/).filter(Boolean).at(-1) ?? path;
}

/** What a finished scan or refresh found (`ScanMovieResult` or `ScanTvResult`). */
function scanSummary(result) {
  if (typeof result?.shows?.found === 'number') {
    return `${plural(result.shows.found, 'show', 'shows')}, ${plural(result.episodes, 'episode', 'episodes')} found, ${result.enqueued} sent to enrichment`;
  }
  if (typeof result?.found === 'number') return `${plural(result.found, 'movie', 'movies')} found, ${result.enqueued} sent to enrichment`;
  return '';
}

/** `1 running · 2 pending`, or a dash when the phase has no stored job. */
function jobsText(jobs) {
  const parts = [];
  if (jobs.running) parts.push(`${jobs.running} running`);
  if (jobs.pending) parts.push(`${jobs.pending} pending`);
  if (jobs.delayed) parts.push(`${jobs.delayed} delayed`);
  if (jobs.failed) parts.push(`${jobs.failed} failed`);
  return parts.length ? parts.join(' · ') : '—';
}

/** The counts as `<span data-count>` figures with their words. */
function countsOf(lib) {
  const c = lib.counts;
  const figure = (key, n, one, many) => [el('span', { class: 'count', 'data-count': key, text: String(n) }), ` ${n === 1 ? one : many}`];
  if (lib.kind === 'tvshows') {
    return [
      ...figure('shows', c.shows, 'show', 'shows'),
      ', ',
      ...figure('seasons', c.seasons, 'season', 'seasons'),
      ', ',
      ...figure('episodes', c.episodes, 'episode', 'episodes'),
      ' (',
      ...figure('enriched', c.enriched, 'show', 'shows'),
      ' enriched, ',
      ...figure('published', c.published, 'show', 'shows'),
      ' published)',
    ];
  }
  return [
    ...figure('movies', c.movies, 'movie', 'movies'),
    ' (',
    ...figure('enriched', c.enriched, 'enriched', 'enriched'),
    ', ',
    ...figure('published', c.published, 'published', 'published'),
    ')',
  ];
}

export function createLibrariesPanel(follower) {
  const list = document.getElementById('libraries-list');
  const panelStatus = document.getElementById('libraries-status');
  const rows = keyedRows(list, { key: (lib) => lib.id, create: makeRow, update: (row, lib) => row.update(lib) });
  let reading = false;
  let again = false;
  let timer = null;

  function setPanelStatus(text, kind = '') {
    panelStatus.textContent = text;
    panelStatus.className = `form-status ${kind}`;
  }

  /** A button that queues a job, then follows it on the library's status line. */
  function action(label, accessibleName, status, send) {
    const button = el('button', { type: 'button', class: 'btn btn-small', text: label, 'aria-label': accessibleName });
    let stopFollowing = () => {};
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const since = follower.mark();
        const { jobId } = await send();
        stopFollowing();
        stopFollowing = follower.follow(jobId, since, (s) => {
          const [text, kind] = statusText(label, jobId, s, scanSummary);
          status.textContent = text;
          status.className = `form-status library-job ${kind}`;
        });
        void read();
      } catch (error) {
        status.textContent = `${label} not queued: ${error.message}`;
        status.className = 'form-status library-job error';
      } finally {
        button.disabled = false;
      }
    });
    return button;
  }

  function makeRow(lib) {
    const name = nameOf(lib.path);
    const kind = KIND_LABELS[lib.kind] ?? lib.kind;
    const status = el('p', { class: 'form-status library-job', role: 'status', 'aria-live': 'polite' });
    const where = `${kind} at ${lib.path}`;
    const scan = action('Scan', `Scan ${where}`, status, () => api(`/media/libraries/${lib.id}/scan`, { method: 'POST' }));
    const refresh = action('Refresh', `Refresh ${where}`, status, () =>
      api('/media/refresh', { method: 'POST', body: { libraryPath: lib.path } }),
    );
    const counts = el('p', { class: 'library-counts' });
    const state = el('p', { class: 'library-state', role: 'status', 'aria-live': 'polite' });
    const steps = new Map(
      PHASES.map((phase) => [
        phase,
        {
          node: el('li', { class: 'step', 'data-phase': phase }),
          counts: el('span', { class: 'step-counts' }),
        },
      ]),
    );
    for (const [phase, step] of steps) step.node.append(el('span', { class: 'step-name', text: PHASE_LABELS[phase] }), step.counts);
    const node = el(
      'li',
      { class: 'library', 'data-library': lib.id, 'data-kind': lib.kind, 'aria-label': `${kind} library ${name}` },
      el(
        'div',
        { class: 'library-head' },
        el('h3', { class: 'library-name', text: name }),
        el('span', { class: `badge kind kind-${lib.kind}`, text: kind }),
        el('div', { class: 'button-row library-actions' }, scan, refresh),
      ),
      el('p', { class: 'library-path muted small', text: lib.path }),
      counts,
      el('ol', { class: 'steps', 'aria-label': `Pipeline of ${name}` }, ...[...steps.values()].map((s) => s.node)),
      state,
      status,
    );
    return {
      node,
      update(next) {
        counts.replaceChildren(...countsOf(next));
        const { phase, jobs } = next.progress;
        node.dataset.phase = phase;
        for (const [p, step] of steps) {
          const j = jobs[p];
          step.node.dataset.state = p === phase ? 'active' : j.pending + j.delayed + j.running > 0 ? 'waiting' : 'idle';
          step.counts.textContent = jobsText(j);
        }
        const failed = PHASES.reduce((n, p) => n + jobs[p].failed, 0);
        const shared = phase === 'playerSync' ? ' (the players’ syncs serve every library)' : '';
        state.textContent =
          phase === 'done'
            ? `Done: nothing of this library waits or runs${failed ? `; ${plural(failed, 'job', 'jobs')} failed` : ''}`
            : `${PHASE_BUSY[phase]}…${shared}`;
        state.dataset.phase = phase;
      },
    };
  }

  function render(libraries) {
    if (libraries.length === 0) {
      rows.placeholder(el('li', { class: 'empty', text: 'No library is configured.' }));
      return;
    }
    rows.show(libraries); // in the server's order
  }

  /** Reads the libraries again; one read at a time, a request during it asks for one more. */
  async function read() {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        const { libraries } = await api('/media/libraries');
        render(libraries);
        setPanelStatus('');
        // While a library is busy, read again later even without events.
        clearTimeout(timer);
        timer = libraries.some((l) => l.progress.phase !== 'done') ? setTimeout(() => void read(), POLL_MS) : null;
      } while (again);
    } catch (error) {
      setPanelStatus(`Could not read the libraries: ${error.message}`, 'error');
      if (rows.size === 0) rows.placeholder(el('li', { class: 'empty', text: error.status === 401 ? 'API key needed' : 'Not loaded' }));
    } finally {
      reading = false;
    }
  }

  return {
    load: read,
    /** Applies one server-sent event: any change of the job counts may move a library on. */
    onEvent(name) {
      if (name === 'stats') void read();
    },
  };
}
