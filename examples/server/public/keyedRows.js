// Keyed rows: the rows of a table body or a list, kept in step with the server's answer by
// key. A refresh updates the rows already shown instead of drawing them again, and moves
// only the rows out of place: the browser drops the keyboard focus from an element that is
// moved (even to where it was), so a button in a row that keeps its place keeps the focus.

/**
 * The rows of `container`, one per item and key, in the order of the items last shown.
 *
 * `show(items)` reuses the row of each item's `key(item)`, makes the missing ones with
 * `create(item)` (which returns a record with the row's element as `node`, and any cells
 * `update` fills), calls `update(record, item)` on every row, removes the rows whose key is
 * gone and moves the ones out of place into the items' order. `placeholder(node)` forgets
 * every row and shows `node` alone (an "empty" or error line); the next `show` replaces it,
 * as it replaces whatever the page held before the first rows (a "Loading…" line). Callers
 * show a placeholder rather than `show([])`, which would leave the container empty.
 *
 * @param container the element holding the rows (a `<tbody>`, a `<ul>`)
 * @param parts.key `(item)` -> the item's key (compared with `===`, as Map keys are)
 * @param parts.create `(item)` -> `{ node, ... }`: a new row for the item's key
 * @param parts.update `(record, item)` fills the row, new or kept, with the item
 */
export function keyedRows(container, { key, create, update }) {
  const rows = new Map(); // key -> record

  return {
    /** How many rows are shown: 0 while a placeholder is. */
    get size() {
      return rows.size;
    },

    show(items) {
      if (rows.size === 0) container.replaceChildren();
      const keys = new Set(items.map(key));
      for (const [k, record] of rows) {
        if (!keys.has(k)) {
          record.node.remove();
          rows.delete(k);
        }
      }
      // The rows before `next` are in the items' order; the container holds only rows now.
      let next = container.firstChild;
      for (const item of items) {
        const k = key(item);
        let record = rows.get(k);
        if (!record) {
          record = create(item);
          rows.set(k, record);
        }
        update(record, item);
        if (record.node === next) next = next.nextSibling;
        else container.insertBefore(record.node, next); // null `next`: at the end
      }
    },

    placeholder(node) {
      rows.clear();
      container.replaceChildren(node);
    },
  };
}
