// The phase settings forms, generated from GET /api/phase-config/describe: one form per
// phase, one control per field chosen by its type, the server's field errors shown next
// to the fields they belong to.
import { api, ApiError } from './api.js';
import { el } from './dom.js';

const PHASE_TITLES = { scan: 'Scan', enrichment: 'Enrichment', publish: 'Publish', playerSync: 'Player sync' };
const LABELS = {
  minFileSizeMB: 'Minimum file size (MB)',
  maxFileSizeGB: 'Maximum file size (GB)',
  ignorePatterns: 'Ignore patterns',
  videoExtensions: 'Video extensions',
  maxPoster: 'Posters to keep',
  maxFanart: 'Fanart to keep',
  maxLogo: 'Logos to keep',
  maxTrailer: 'Trailers to keep',
  minResolution: 'Minimum artwork height (px)',
  fetchProviderAssets: 'Fetch provider artwork',
  autoSelectAssets: 'Select artwork automatically',
  delaySeconds: 'Delay before syncing (s)',
  maxWaitSeconds: 'Longest wait for a busy player (s)',
};

/** `maxPoster` -> `Max poster`, for fields without a label above. */
function humanize(key) {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function languageName(code) {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** Editable list of strings: one text box per item, remove buttons, an add row. */
function listControl(field, id, describedBy) {
  const items = el('ul', { class: 'list-items', id, 'aria-describedby': describedBy, 'data-list': field.key });
  const addInput = el('input', {
    type: 'text',
    class: 'list-add-input',
    'aria-label': `New item for ${labelOf(field)}`,
    placeholder: 'Add an item…',
  });
  const addItem = (value, focus = false) => {
    const input = el('input', { type: 'text', value, 'aria-label': `${labelOf(field)} item`, 'data-item': '' });
    const remove = el('button', { type: 'button', class: 'btn btn-icon', 'aria-label': `Remove ${value || 'item'}`, text: '×' });
    const li = el('li', {}, input, remove);
    remove.addEventListener('click', () => li.remove());
    items.append(li);
    if (focus) input.focus();
  };
  const add = () => {
    const value = addInput.value.trim();
    if (!value) return;
    addItem(value);
    addInput.value = '';
    addInput.focus();
  };
  addInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      add();
    }
  });
  const wrapper = el(
    'div',
    { class: 'list-control' },
    items,
    el('div', { class: 'list-add' }, addInput, el('button', { type: 'button', class: 'btn btn-small', text: 'Add', onclick: add })),
  );
  return {
    node: wrapper,
    get: () => [...items.querySelectorAll('input[data-item]')].map((i) => i.value.trim()).filter((v) => v !== ''),
    set: (values) => {
      items.replaceChildren();
      for (const v of values) addItem(v);
    },
    focusTarget: () => items.querySelector('input') ?? addInput,
  };
}

function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function labelOf(field) {
  return LABELS[field.key] ?? humanize(field.key);
}

/** The control of one field: its element, and how to read and write its value. */
function controlFor(field, id, describedBy, languages) {
  if (field.type === 'boolean') {
    const input = el('input', { type: 'checkbox', role: 'switch', id, class: 'switch', 'aria-describedby': describedBy });
    return { node: input, get: () => input.checked, set: (v) => (input.checked = Boolean(v)), focusTarget: () => input };
  }
  if (field.type === 'integer' || field.type === 'number') {
    const input = el('input', {
      type: 'number',
      id,
      inputmode: field.type === 'integer' ? 'numeric' : 'decimal',
      min: field.min,
      max: field.max,
      step: field.type === 'integer' ? 1 : 'any',
      'aria-describedby': describedBy,
    });
    // Send what was typed: the server judges it, so an out-of-range value gets its message.
    return {
      node: input,
      get: () => (input.value.trim() === '' ? input.value : Number(input.value)),
      set: (v) => (input.value = String(v)),
      focusTarget: () => input,
    };
  }
  const options = field.options ?? (field.key === 'language' && languages.length > 0 ? languages : null);
  if (options && field.type !== 'string[]') {
    const select = el('select', { id, 'aria-describedby': describedBy });
    const sorted = field.key === 'language' ? [...options].sort((a, b) => languageName(a).localeCompare(languageName(b))) : options;
    for (const o of sorted) select.append(el('option', { value: o, text: field.key === 'language' ? `${languageName(o)} (${o})` : o }));
    return { node: select, get: () => select.value, set: (v) => (select.value = String(v)), focusTarget: () => select };
  }
  if (field.type === 'string[]') return listControl(field, id, describedBy);
  const input = el('input', { type: 'text', id, 'aria-describedby': describedBy, pattern: field.pattern });
  return { node: input, get: () => input.value, set: (v) => (input.value = String(v ?? '')), focusTarget: () => input };
}

function hintOf(field) {
  const parts = [];
  if (field.type === 'integer' || field.type === 'number') {
    if (field.min !== undefined && field.max !== undefined) parts.push(`${field.min}–${field.max}`);
    else if (field.min !== undefined) parts.push(`at least ${field.min}`);
  }
  const def = Array.isArray(field.default)
    ? `${field.default.length} items`
    : typeof field.default === 'boolean'
      ? field.default
        ? 'on'
        : 'off'
      : String(field.default);
  parts.push(`default ${def}`);
  return parts.join(' · ');
}

/** One phase's form. */
function phaseForm(phase, values, languages) {
  const controls = new Map();
  const errors = new Map();
  const status = el('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  const form = el('form', { class: 'card phase', id: `phase-${phase.phase}`, 'aria-labelledby': `title-${phase.phase}`, novalidate: true });
  const [title, ...rest] = phase.description.split(': ');
  form.append(
    el(
      'div',
      { class: 'phase-head' },
      el('h3', { id: `title-${phase.phase}`, text: PHASE_TITLES[phase.phase] ?? title ?? phase.phase }),
      el('p', { class: 'muted', text: capitalize(rest.join(': ') || phase.description) }),
    ),
  );
  const grid = el('div', { class: 'fields' });
  for (const field of phase.fields) {
    const id = `field-${phase.phase}-${field.key}`;
    const hintId = `${id}-hint`;
    const errorId = `${id}-error`;
    const control = controlFor(field, id, `${hintId} ${errorId}`, languages);
    const error = el('p', { class: 'field-error', id: errorId, 'data-error-for': field.setting });
    const label =
      field.type === 'string[]'
        ? el('span', { class: 'label', id: `${id}-label`, text: labelOf(field) })
        : el('label', { for: id, class: 'label', text: labelOf(field) });
    const labelRow = el('div', { class: 'label-row' }, label, el('span', { class: 'meta', text: hintOf(field) }));
    if (field.type === 'string[]') control.node.querySelector('ul').setAttribute('aria-labelledby', `${id}-label`);
    const wide = field.type === 'string[]' || (field.type !== 'boolean' && field.description.length > 120);
    const row = el(
      'div',
      { class: `field field-${field.type === 'string[]' ? 'list' : field.type}${wide ? ' field-wide' : ''}` },
      field.type === 'boolean'
        ? el('div', { class: 'switch-row' }, control.node, labelRow)
        : el('div', { class: 'field-top' }, labelRow, control.node),
      el('p', { class: 'hint', id: hintId, text: field.description }),
      error,
    );
    control.set(values[field.key]);
    controls.set(field.key, control);
    errors.set(field.setting, { node: error, row, control });
    grid.append(row);
  }
  form.append(grid);

  const clearErrors = () => {
    for (const { node, row, control } of errors.values()) {
      node.textContent = '';
      row.classList.remove('invalid');
      control.focusTarget().removeAttribute('aria-invalid');
    }
    status.textContent = '';
    status.className = 'form-status';
  };
  const show = (message, kind) => {
    status.textContent = message;
    status.className = `form-status ${kind}`;
  };
  const fill = (config) => {
    for (const [key, control] of controls) control.set(config[key]);
  };
  const showIssues = (issues) => {
    let first = null;
    for (const issue of issues ?? []) {
      // `enrichment.maxPoster` or, for list items, `scan.videoExtensions.2`.
      const target = [...errors.keys()].find((s) => issue.path === s || issue.path.startsWith(`${s}.`));
      const entry = target ? errors.get(target) : null;
      if (!entry) continue;
      entry.node.textContent = entry.node.textContent ? `${entry.node.textContent}; ${issue.message}` : issue.message;
      entry.row.classList.add('invalid');
      entry.control.focusTarget().setAttribute('aria-invalid', 'true');
      first ??= entry.control.focusTarget();
    }
    first?.focus();
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors();
    const patch = Object.fromEntries([...controls].map(([key, control]) => [key, control.get()]));
    try {
      fill(await api(`/phase-config/${phase.phase}`, { method: 'PATCH', body: patch }));
      show('Saved', 'ok');
    } catch (error) {
      if (error instanceof ApiError && error.code === 'VALIDATION_ERROR') {
        showIssues(error.details);
        show('Nothing was saved: fix the marked fields.', 'error');
      } else show(`Not saved: ${error.message}`, 'error');
    }
  });
  const reset = el('button', { type: 'button', class: 'btn', text: 'Reset to defaults' });
  reset.addEventListener('click', async () => {
    clearErrors();
    try {
      fill(await api('/phase-config/reset', { method: 'POST', body: { phase: phase.phase } }));
      show('Defaults restored', 'ok');
    } catch (error) {
      show(`Not reset: ${error.message}`, 'error');
    }
  });
  form.append(el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'btn btn-primary', text: 'Save' }), reset, status));
  const applyChange = (key, value) => controls.get(key)?.set(value);
  return { form, fill, applyChange };
}

/** Renders every phase form into `container`; returns `applyChange` for changes made elsewhere. */
export async function renderSettings(container) {
  const [description, config, languages] = await Promise.all([
    api('/phase-config/describe'),
    api('/phase-config'),
    api('/languages').catch(() => []),
  ]);
  const forms = new Map();
  container.replaceChildren();
  for (const phase of description) {
    const { form, applyChange } = phaseForm(phase, config[phase.phase], languages);
    forms.set(phase.phase, applyChange);
    container.append(form);
  }
  return {
    /** A `phase-config:changed` event: show the value now in effect. */
    applyChange(change) {
      forms.get(change.phase)?.(change.field, change.value);
    },
  };
}
