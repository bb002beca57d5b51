// Small time charts as inline SVG, no library: stacked bars per interval, and one line per
// series. Each is drawn in pixels for the width of its box (and drawn again when that
// changes), so its text keeps one size from a phone to a laptop. Every interval is a group
// carrying its numbers (`data-*`) and a `<title>` (a tooltip on hover); the caller adds the
// table of numbers that screen readers and keyboards use.
import { svg } from './dom.js';
import { clockText } from './time.js';

export const CHART_HEIGHT = 168;
const PAD = { top: 10, right: 10, bottom: 24 };
/** Width of one character of the 11 px tick labels, to keep labels apart. */
const CHAR = 6.6;
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

/** A y-axis top and step (1, 2 or 5 × 10ⁿ, at least 1) with at most `maxSteps` steps. */
export function niceScale(max, maxSteps = 5) {
  if (!(max > 0)) return { top: 1, step: 1 };
  for (let power = 1; ; power *= 10) {
    for (const m of [1, 2, 5]) {
      const step = m * power;
      const steps = Math.ceil(max / step);
      if (steps <= maxSteps) return { top: steps * step, step };
    }
  }
}

let ids = 0;

/**
 * The frame both kinds share: the y scale with its grid and ticks, the time ticks, and a
 * hatched band over the intervals before recording began (unknown, not zero).
 *
 * @param width the box's width in px
 * @param chart `{ slots: [{ start }], intervalMs, firstRecorded, max }`
 */
function frame(width, chart, { title, desc }) {
  const { top, step } = niceScale(chart.max);
  const left = 8 + CHAR * Math.max(...[0, top].map((v) => compact.format(v).length));
  const plot = { left, top: PAD.top, width: Math.max(10, width - left - PAD.right), height: CHART_HEIGHT - PAD.top - PAD.bottom };
  const n = chart.slots.length;
  const slotWidth = plot.width / n;
  const x = (i) => plot.left + i * slotWidth;
  const y = (value) => plot.top + plot.height - (value / top) * plot.height;
  const id = `chart-${++ids}`;

  const root = svg(
    'svg',
    {
      class: 'chart-svg',
      width,
      height: CHART_HEIGHT,
      viewBox: `0 0 ${width} ${CHART_HEIGHT}`,
      role: 'img',
      'aria-labelledby': `${id}-title ${id}-desc`,
      'data-y-max': top,
      'data-plot-height': plot.height,
    },
    svg('title', { id: `${id}-title`, text: title }),
    svg('desc', { id: `${id}-desc`, text: desc }),
    svg(
      'defs',
      {},
      svg(
        'pattern',
        { id: `${id}-hatch`, width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
        svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, class: 'hatch-line' }),
      ),
    ),
  );

  const grid = svg('g', { class: 'y-axis' });
  for (let v = 0; v <= top; v += step) {
    grid.append(
      svg('line', { class: v === 0 ? 'baseline' : 'gridline', x1: plot.left, x2: plot.left + plot.width, y1: y(v), y2: y(v) }),
      svg('text', { x: plot.left - 6, y: y(v), dy: '0.32em', 'text-anchor': 'end', text: compact.format(v) }),
    );
  }
  root.append(grid);

  if (chart.firstRecorded > 0) {
    const w = x(Math.min(chart.firstRecorded, n)) - plot.left;
    const band = svg(
      'g',
      { class: 'unrecorded' },
      svg('rect', { x: plot.left, y: plot.top, width: w, height: plot.height, fill: `url(#${id}-hatch)` }),
    );
    if (w > 90)
      band.append(
        svg('text', { x: plot.left + w / 2, y: plot.top + plot.height / 2, dy: '0.32em', 'text-anchor': 'middle', text: 'not recorded' }),
      );
    root.append(band);
  }

  // Time ticks at round local times, as far apart as their labels need.
  const labelWidth = CHAR * clockText(chart.slots[0]?.start ?? 0).length + 14;
  const every = [1, 2, 5, 10, 15, 20, 30, 60, 120].find((k) => k * slotWidth >= labelWidth) ?? n;
  const ticks = svg('g', { class: 'x-axis' });
  chart.slots.forEach((slot, i) => {
    const local = slot.start - new Date(slot.start).getTimezoneOffset() * 60_000;
    if (Math.round(local / chart.intervalMs) % every !== 0) return;
    const at = x(i);
    // A label that would run past the chart's sides is left out (its tick stays).
    const fits = at - labelWidth / 2 + 7 >= 0 && at + labelWidth / 2 - 7 <= width;
    ticks.append(svg('line', { x1: at, x2: at, y1: plot.top + plot.height, y2: plot.top + plot.height + 4 }));
    if (fits) ticks.append(svg('text', { x: at, y: plot.top + plot.height + 16, 'text-anchor': 'middle', text: clockText(slot.start) }));
  });
  root.append(ticks);
  return { root, plot, x, y, slotWidth };
}

/** One interval's group: what is drawn in it, a hit area over its whole column, its title. */
function slotGroup(f, i, slot, label, onPoint, attrs) {
  const hit = svg('rect', { class: 'hit', x: f.x(i), y: f.plot.top, width: f.slotWidth, height: f.plot.height });
  hit.addEventListener('pointerenter', () => onPoint(i));
  return svg('g', { class: 'slot', 'data-start': slot.start, ...attrs }, hit, svg('title', { text: label }));
}

/**
 * Stacked bars, one per interval: `series` (`[{ key, cls }]`) from the bottom up.
 *
 * @param chart `{ slots: [{ start, values }], intervalMs, firstRecorded }`; `values` is
 *   `{ [key]: number }`, or null for an interval not recorded
 * @param options `{ series, title, desc, label(slot) -> text, onPoint(index | null) }`
 */
export function barChart(width, chart, { series, title, desc, label, onPoint }) {
  const max = Math.max(0, ...chart.slots.map((s) => (s.values ? series.reduce((sum, k) => sum + s.values[k.key], 0) : 0)));
  const f = frame(width, { ...chart, max }, { title, desc });
  const barWidth = Math.max(1, f.slotWidth * 0.72);
  const bars = svg('g', { class: 'bars' });
  chart.slots.forEach((slot, i) => {
    if (!slot.values) return;
    const data = Object.fromEntries(series.map((s) => [`data-${s.key}`, slot.values[s.key]]));
    const g = slotGroup(f, i, slot, label(slot), onPoint, data);
    let base = 0;
    for (const s of series) {
      const value = slot.values[s.key];
      if (value > 0) {
        g.prepend(
          svg('rect', {
            class: `bar ${s.cls}`,
            x: f.x(i) + (f.slotWidth - barWidth) / 2,
            width: barWidth,
            y: f.y(base + value),
            height: f.y(base) - f.y(base + value),
          }),
        );
      }
      base += value;
    }
    bars.append(g);
  });
  f.root.append(bars);
  f.root.addEventListener('pointerleave', () => onPoint(null));
  return f.root;
}

/**
 * One line per series through the intervals' centres, broken where an interval has no
 * value (a lone value is a dot).
 *
 * @param chart as for {@link barChart}
 * @param options `{ series: [{ key, cls }], title, desc, label(slot) -> text, onPoint }`
 */
export function lineChart(width, chart, { series, title, desc, label, onPoint }) {
  const max = Math.max(0, ...chart.slots.flatMap((s) => (s.values ? series.map((k) => s.values[k.key]) : [])));
  const f = frame(width, { ...chart, max }, { title, desc });
  const cx = (i) => f.x(i) + f.slotWidth / 2;
  const slots = svg('g', { class: 'slots' });
  chart.slots.forEach((slot, i) => {
    if (i < chart.firstRecorded) return;
    const data = slot.values ? Object.fromEntries(series.map((s) => [`data-${s.key}`, slot.values[s.key]])) : { 'data-empty': true };
    slots.append(slotGroup(f, i, slot, label(slot), onPoint, data));
  });
  const lines = svg('g', { class: 'lines' });
  for (const s of series) {
    let d = '';
    chart.slots.forEach((slot, i) => {
      if (!slot.values) return;
      const prev = chart.slots[i - 1]?.values;
      const next = chart.slots[i + 1]?.values;
      const point = `${cx(i).toFixed(1)},${f.y(slot.values[s.key]).toFixed(1)}`;
      d += prev ? ` L${point}` : ` M${point}`;
      if (!prev && !next) lines.append(svg('circle', { class: `dot ${s.cls}`, cx: cx(i), cy: f.y(slot.values[s.key]), r: 2.5 }));
    });
    if (d) lines.append(svg('path', { class: `line ${s.cls}`, d: d.trim() }));
  }
  // The lines are drawn over the hit areas but let the pointer through to them.
  f.root.append(slots, lines);
  f.root.addEventListener('pointerleave', () => onPoint(null));
  return f.root;
}
