// The "Last hour" panel: jobs completed and failed per minute, and the jobs stored per
// state sampled each minute, from `GET /api/metrics/history` (this server's own record,
// in memory since it started), drawn by charts.js. Each chart has a line of text that
// follows the pointer, and a table of its numbers behind a "Numbers" toggle.
//
// The history is read every 10 s and shortly after jobs end, not on every event: a minute
// is the unit here, and the counts of the moment are in the queue panel.
import { api } from './api.js';
import { el } from './dom.js';
import { barChart, lineChart } from './charts.js';
import { clockText } from './time.js';

const WINDOW = 60; // intervals shown: the last hour, at one a minute
const REFRESH_MS = 10_000;
const AFTER_JOBS_MS = 1_000;

const OUTCOMES = [
  { key: 'completed', label: 'Completed', cls: 'completed' },
  { key: 'failed', label: 'Failed', cls: 'failed' },
];
const DEPTHS = [
  { key: 'pending', label: 'Pending', cls: 'pending' },
  { key: 'delayed', label: 'Delayed', cls: 'delayed' },
  { key: 'processing', label: 'Running', cls: 'running' },
  { key: 'failed', label: 'Failed', cls: 'failed' },
];

/** `12 completed, 1 failed`: the values of `series`, named. */
function valuesText(values, series) {
  return series.map((s) => `${values[s.key]} ${s.label.toLowerCase()}`).join(', ');
}

/**
 * The last WINDOW intervals up to the current one: each `{ start, outcomes, depth }`, with
 * null outcomes before recording began and a null depth where no sample was taken.
 */
function slotsOf(snapshot) {
  const { intervalMs, buckets } = snapshot;
  const byStart = new Map(buckets.map((b) => [b.start, b]));
  const last = buckets.at(-1)?.start ?? Math.floor(Date.now() / intervalMs) * intervalMs;
  const first = buckets[0]?.start ?? last;
  const slots = [];
  for (let i = WINDOW - 1; i >= 0; i--) {
    const start = last - i * intervalMs;
    const bucket = byStart.get(start);
    const recorded = start >= first;
    slots.push({
      start,
      outcomes: recorded ? { completed: bucket?.completed ?? 0, failed: bucket?.failed ?? 0 } : null,
      depth: bucket?.depth ?? null,
    });
  }
  return {
    slots,
    firstRecorded: Math.max(
      0,
      slots.findIndex((s) => s.outcomes !== null),
    ),
  };
}

/** `since 10:53 AM` (recording began within the hour shown), or `in the last hour`. */
function periodText(slots, since) {
  return since > slots[0].start ? `since ${clockText(since)}` : 'in the last hour';
}

/** What the outcomes chart says in words. */
function outcomesSummary(slots, since) {
  const recorded = slots.filter((s) => s.outcomes);
  const total = (key) => recorded.reduce((sum, s) => sum + s.outcomes[key], 0);
  const completed = total('completed');
  const failed = total('failed');
  const period = periodText(slots, since);
  if (completed + failed === 0) return `No job finished ${period}.`;
  const busiest = recorded.reduce((a, b) => (b.outcomes.completed + b.outcomes.failed > a.outcomes.completed + a.outcomes.failed ? b : a));
  const most = busiest.outcomes.completed + busiest.outcomes.failed;
  return `${period[0].toUpperCase()}${period.slice(1)}: ${completed} completed and ${failed} failed; the busiest minute, ${clockText(busiest.start)}, had ${most}.`;
}

/** What the depth chart says in words. */
function depthSummary(slots, since) {
  const sampled = slots.filter((s) => s.depth);
  const period = periodText(slots, since);
  if (sampled.length === 0) return `No sample of the stored jobs ${period}.`;
  const most = sampled.reduce((a, b) => (b.depth.pending > a.depth.pending ? b : a));
  const peak = most.depth.pending > 0 ? `most pending: ${most.depth.pending}, at ${clockText(most.start)}` : 'nothing was pending';
  return `Sampled at the start of each minute ${period}; ${peak}.`;
}

/** A legend: a swatch and a name per series. */
function legend(series, kind) {
  return el(
    'ul',
    { class: `legend legend-${kind}` },
    ...series.map((s) => el('li', {}, el('span', { class: `swatch ${s.cls}`, 'aria-hidden': 'true' }), s.label)),
  );
}

/** One chart's parts in the page: summary, drawing box, pointer line and numbers table. */
function chartPart(root) {
  return {
    summary: root.querySelector('.chart-summary'),
    box: root.querySelector('.chart-box'),
    readout: root.querySelector('.chart-readout'),
    table: root.querySelector('.chart-numbers tbody'),
  };
}

export function createHistoryPanel() {
  const status = document.getElementById('history-status');
  const outcomes = chartPart(document.getElementById('chart-outcomes'));
  const depth = chartPart(document.getElementById('chart-depth'));
  document.getElementById('chart-outcomes').querySelector('.chart-head').append(legend(OUTCOMES, 'bars'));
  document.getElementById('chart-depth').querySelector('.chart-head').append(legend(DEPTHS, 'lines'));
  let snapshot = null;
  let view = null; // { slots, firstRecorded } of the snapshot
  let timer = null;
  let soon = null;

  function setStatus(text, kind) {
    status.textContent = text;
    status.className = `form-status ${kind}`;
  }

  // Labels of a chart's interval (`{ start, values }`).
  const outcomeLabel = ({ start, values }) => `${clockText(start)}: ${valuesText(values, OUTCOMES)}`;
  const depthLabel = ({ start, values }) => `${clockText(start)}: ${values ? valuesText(values, DEPTHS) : 'not sampled'}`;

  function drawOutcomes() {
    const slots = view.slots.map((s) => ({ start: s.start, values: s.outcomes }));
    const current = slots.at(-1);
    const rest = `This minute, since ${clockText(current.start)}: ${valuesText(current.values ?? { completed: 0, failed: 0 }, OUTCOMES)}`;
    const point = (i) => (outcomes.readout.textContent = i === null || !slots[i].values ? rest : outcomeLabel(slots[i]));
    outcomes.box.replaceChildren(
      barChart(
        outcomes.box.clientWidth,
        {
          slots,
          intervalMs: snapshot.intervalMs,
          firstRecorded: view.firstRecorded,
        },
        {
          series: OUTCOMES,
          title: 'Jobs completed and failed per minute, last hour',
          desc: `${outcomes.summary.textContent} ${rest}.`,
          label: outcomeLabel,
          onPoint: point,
        },
      ),
    );
    point(null);
  }

  function drawDepth() {
    const slots = view.slots.map((s) => ({ start: s.start, values: s.depth }));
    const latest = slots.findLast((s) => s.values);
    const rest = latest ? `Latest sample, ${depthLabel(latest)}` : 'Not sampled yet';
    const point = (i) => (depth.readout.textContent = i === null ? rest : depthLabel(slots[i]));
    depth.box.replaceChildren(
      lineChart(
        depth.box.clientWidth,
        {
          slots,
          intervalMs: snapshot.intervalMs,
          firstRecorded: view.firstRecorded,
        },
        {
          series: DEPTHS,
          title: 'Jobs stored per state, sampled each minute, last hour',
          desc: `${depth.summary.textContent} ${rest}.`,
          label: depthLabel,
          onPoint: point,
        },
      ),
    );
    point(null);
  }

  /** The numbers of the recorded minutes, newest first. */
  function fillTables() {
    const recorded = view.slots.filter((s) => s.outcomes).reverse();
    const time = (s) => el('th', { scope: 'row', text: clockText(s.start) });
    outcomes.table.replaceChildren(
      ...recorded.map((s) =>
        el(
          'tr',
          { 'data-start': s.start },
          time(s),
          ...OUTCOMES.map((k) => el('td', { 'data-key': k.key, text: String(s.outcomes[k.key]) })),
        ),
      ),
    );
    depth.table.replaceChildren(
      ...recorded.map((s) =>
        el(
          'tr',
          { 'data-start': s.start },
          time(s),
          ...DEPTHS.map((k) => el('td', { 'data-key': k.key, text: s.depth ? String(s.depth[k.key]) : '–' })),
        ),
      ),
    );
  }

  function render() {
    if (!snapshot) return;
    view = slotsOf(snapshot);
    outcomes.summary.textContent = outcomesSummary(view.slots, snapshot.since);
    depth.summary.textContent = depthSummary(view.slots, snapshot.since);
    drawOutcomes();
    drawDepth();
    fillTables();
    setStatus(snapshot.recording ? '' : 'Not recording: the queue of this server has stopped.', snapshot.recording ? '' : 'error');
  }

  /** Reads the history and draws it; errors are shown above the charts, and thrown. */
  async function load() {
    try {
      snapshot = await api('/metrics/history');
      render();
    } catch (error) {
      setStatus(error.status === 401 ? 'API key needed' : `Could not read the history: ${error.message}`, 'error');
      throw error;
    }
  }

  function startRefresh() {
    if (timer !== null) return;
    timer = setInterval(() => {
      load().catch((error) => {
        // Without a valid key, stop asking until the page loads again with one.
        if (error.status === 401) {
          clearInterval(timer);
          timer = null;
        }
      });
    }, REFRESH_MS);
  }

  /** Applies one server-sent event: jobs that ended are read again a moment later. */
  function onEvent(name) {
    if ((name === 'job:completed' || name === 'job:failed') && soon === null && timer !== null) {
      soon = setTimeout(() => {
        soon = null;
        load().catch(() => {});
      }, AFTER_JOBS_MS);
    }
  }

  // Drawn again for a new width (a turned phone, a resized window), not for a new height.
  let widths = '';
  const resized = new ResizeObserver(() => {
    const now = `${outcomes.box.clientWidth} ${depth.box.clientWidth}`;
    if (now === widths) return;
    widths = now;
    render();
  });
  resized.observe(outcomes.box);
  resized.observe(depth.box);

  return { load, startRefresh, onEvent };
}
