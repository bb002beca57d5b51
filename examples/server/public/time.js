// Times as the dashboard shows them: in the browser's local time, with how far from now.
import { el } from './dom.js';

const DAY_FORMAT = { weekday: 'short', day: 'numeric', month: 'short' };
const CLOCK_FORMAT = { hour: '2-digit', minute: '2-digit' };

/** `in 5 h`, `3 min ago`: how far a time is from now, for the line under the date. */
export function relative(ms, now = Date.now()) {
  const diff = ms - now;
  const abs = Math.abs(diff);
  const [n, unit] =
    abs < 60_000
      ? [Math.round(abs / 1000), 's']
      : abs < 3_600_000
        ? [Math.round(abs / 60_000), 'min']
        : abs < 172_800_000
          ? [Math.round(abs / 3_600_000), 'h']
          : [Math.round(abs / 86_400_000), 'd'];
  return diff >= 0 ? `in ${n} ${unit}` : `${n} ${unit} ago`;
}

/** `02:15 PM`, `14:15`: the local clock time of `ms`, as the browser's language writes it. */
export function clockText(ms) {
  return new Date(ms).toLocaleTimeString(undefined, CLOCK_FORMAT);
}

/** A `<time>` with the local day and clock time, each kept whole (a line breaks between them). */
export function timeElement(ms) {
  const date = new Date(ms);
  return el(
    'time',
    { datetime: date.toISOString() },
    el('span', { text: date.toLocaleDateString(undefined, DAY_FORMAT) }),
    ' ',
    el('span', { text: date.toLocaleTimeString(undefined, CLOCK_FORMAT) }),
  );
}

/** Fills a time cell: the local date and time, with the distance from now below. */
export function setTime(cell, ms, none) {
  if (ms === null) {
    cell.replaceChildren(el('span', { class: 'muted-cell', text: none }));
    cell.removeAttribute('data-time');
    return;
  }
  cell.dataset.time = String(ms);
  cell.replaceChildren(timeElement(ms), el('span', { class: 'when', text: relative(ms) }));
}
