/**
 * What a person would call "cut off" or "scrolls sideways", measured in the browser over
 * every element of the page's panels rather than over a few named ones.
 */
import type { Page } from 'playwright-core';

/** The page's panels: the top bar, every card, and an open dialog. */
export const PANELS = '.topbar, .card, dialog[open]';

/**
 * Every layout fault of the page, as readable lines (empty when everything fits):
 * - the document scrolls sideways (`scrollWidth > clientWidth`);
 * - a panel reaches past the viewport's sides;
 * - an element of a panel reaches past that panel's box;
 * - an element's content is wider than the element (clipped, scrolled sideways or spilt over
 *   its border), or taller without a way to scroll to it (clipped or spilt); form controls'
 *   own text aside (a long value scrolls inside its box).
 * Elements of 1×1 px or less are skipped: that is how text for screen readers only is hidden.
 * So are elements the browser does not render (`checkVisibility()`: the content of a closed
 * `<details>`, `display: none`), which would otherwise be measured where they would be.
 */
export async function layoutProblems(page: Page, panels = PANELS): Promise<string[]> {
  // Sent as source text: a compiled function may carry helpers (esbuild's `__name`) that
  // do not exist in the page.
  return page.evaluate<string[]>(`(${MEASURE})(${JSON.stringify(panels)})`);
}

const MEASURE = `(selector) => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth) problems.push('the page scrolls sideways: ' + doc.scrollWidth + ' px wide in a ' + doc.clientWidth + ' px window');
  const describe = (e) => {
    const id = e.id ? '#' + e.id : '';
    const cls = typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\\s+/).join('.') : '';
    const text = (e.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
    return '<' + e.tagName.toLowerCase() + id + cls + '>' + (text ? ' "' + text + '"' : '');
  };
  const px = (a, b) => Math.round(a) + '..' + Math.round(b);
  const TOLERANCE = 1;
  const CONTROLS = new Set(['INPUT', 'SELECT', 'TEXTAREA', 'PROGRESS']);
  for (const panel of document.querySelectorAll(selector)) {
    const box = panel.getBoundingClientRect();
    if (box.left < -TOLERANCE || box.right > doc.clientWidth + TOLERANCE) {
      problems.push(describe(panel) + ' reaches past the window (' + px(box.left, box.right) + ' of ' + doc.clientWidth + ')');
    }
    for (const e of [panel, ...panel.querySelectorAll('*')]) {
      const r = e.getBoundingClientRect();
      if (r.width <= 1 && r.height <= 1) continue;
      if (!e.checkVisibility()) continue;
      const style = getComputedStyle(e);
      if (style.visibility === 'hidden') continue;
      if (e !== panel && (r.left < box.left - TOLERANCE || r.right > box.right + TOLERANCE || r.top < box.top - TOLERANCE || r.bottom > box.bottom + TOLERANCE)) {
        problems.push(describe(e) + ' sticks out of ' + describe(panel) + ': ' + px(r.left, r.right) + ' x ' + px(r.top, r.bottom) +
          ' in ' + px(box.left, box.right) + ' x ' + px(box.top, box.bottom));
        continue;
      }
      if (style.display === 'inline' || CONTROLS.has(e.tagName) || e.clientWidth === 0) continue;
      if (e.scrollWidth > e.clientWidth + TOLERANCE) problems.push(describe(e) + ' is cut off: ' + e.scrollWidth + ' px of content in ' + e.clientWidth + ' px');
      else if (e.scrollHeight > e.clientHeight + TOLERANCE && !['auto', 'scroll'].includes(style.overflowY)) problems.push(describe(e) + ' is cut off: ' + e.scrollHeight + ' px of content in ' + e.clientHeight + ' px high');
    }
  }
  return problems;
}`;
