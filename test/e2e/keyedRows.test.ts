/**
 * The dashboard's keyed rows (public/keyedRows.js) in a real browser, on a list of its own
 * in the served page: the first rows replace what the list held, a key that stays keeps its
 * element (and a focused button in a row that keeps its place keeps the focus), missing keys
 * get new rows, gone ones leave, the order follows the items, and a placeholder forgets
 * every row.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, startExampleInProcess, type InProcessServer } from './exampleServer.js';

let server: InProcessServer;
let browser: Browser;
let page: Page;

describe('keyed rows', () => {
  beforeAll(async () => {
    server = await startExampleInProcess();
    ({ browser, page } = await openPage(server.url));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('reuses the row of a key that stays, makes the missing ones, drops the gone ones and follows the order', async () => {
    const steps = await page.evaluate(`import('/keyedRows.js').then(({ keyedRows }) => {
      const list = document.createElement('ul');
      list.innerHTML = '<li class="empty">Loading…</li>';
      document.body.append(list);
      let made = 0;
      const rows = keyedRows(list, {
        key: (item) => item.id,
        create: (item) => {
          made += 1;
          const node = document.createElement('li');
          node.dataset.id = item.id;
          node.append(document.createElement('button'));
          return { node };
        },
        update: (r, item) => (r.node.firstChild.textContent = item.text),
      });
      const shown = () => [...list.children].map((li) => li.dataset.id ?? li.textContent).join(' ');
      const steps = [];
      rows.show([{ id: 'a', text: 'A' }, { id: 'b', text: 'B' }, { id: 'c', text: 'C' }]);
      const b = list.children[1];
      b.firstChild.focus();
      steps.push([shown(), made, rows.size, document.activeElement === b.firstChild]);
      rows.show([{ id: 'b', text: 'B1' }, { id: 'c', text: 'C' }, { id: 'd', text: 'D' }]);
      steps.push([shown(), made, rows.size, list.children[0] === b, b.textContent, document.activeElement === b.firstChild]);
      rows.show([{ id: 'c', text: 'C' }, { id: 'd', text: 'D' }, { id: 'b', text: 'B2' }]);
      steps.push([shown(), made, rows.size, list.children[2] === b, b.textContent]);
      rows.placeholder(Object.assign(document.createElement('li'), { textContent: 'Nothing' }));
      steps.push([shown(), made, rows.size]);
      rows.show([{ id: 'b', text: 'B3' }]);
      steps.push([shown(), made, rows.size, list.children[0] === b]);
      list.remove();
      return steps;
    })`);
    expect(steps).toEqual([
      ['a b c', 3, 3, true],
      // a left, d is new; b is the same element, filled again, and its button kept the focus.
      ['b c d', 4, 3, true, 'B1', true],
      // The order follows the items; b is still the same element.
      ['c d b', 4, 3, true, 'B2'],
      ['Nothing', 4, 0],
      // After a placeholder, a key shown before gets a new row.
      ['b', 5, 1, false],
    ]);
  });
});
