// The dashboard: the libraries and their pipelines, the last hour's charts, settings forms, the schedules, the job browser,
// the live queue panel and its controls (pause, the job types and their limits), wired to
// the phaseq API.
import { ApiError, followEvents, getApiKey, setApiKey } from './api.js';
import { renderSettings } from './settings.js';
import { createQueuePanel } from './queue.js';
import { createSchedulesPanel } from './schedules.js';
import { createJobFollower } from './follow.js';
import { createJobBrowser } from './jobs.js';
import { createControlsPanel } from './controls.js';
import { createHistoryPanel } from './history.js';
import { createLibrariesPanel } from './libraries.js';

const connection = document.getElementById('connection');
const keyForm = document.getElementById('key-form');
const STATE_TEXT = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', unauthorized: 'API key needed' };

let wasCut = false;
function setConnection(state) {
  // Back after a cut: the events of the gap are lost, so ask about the jobs being followed.
  if (state === 'reconnecting') wasCut = true;
  if (state === 'live' && wasCut) {
    wasCut = false;
    void follower.recheck();
  }
  connection.dataset.state = state;
  connection.textContent = STATE_TEXT[state] ?? state;
  keyForm.hidden = state !== 'unauthorized';
}

let settings = null;
const follower = createJobFollower();
const jobs = createJobBrowser(follower);
const queue = createQueuePanel(follower, (state) => jobs.show(state));
const schedules = createSchedulesPanel(follower);
const controls = createControlsPanel();
const activity = createHistoryPanel();
const libraries = createLibrariesPanel(follower);

async function loadAll() {
  // The schedules panel shows its own errors (and "API key needed") in its table.
  schedules.load().then(
    () => schedules.startRefresh(),
    () => {},
  );
  activity.load().then(
    () => activity.startRefresh(),
    () => {},
  );
  controls.load().catch(() => {});
  // The libraries panel shows its own errors (and "API key needed").
  void libraries.load();
  try {
    settings = await renderSettings(document.getElementById('phase-forms'));
    await queue.load();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setConnection('unauthorized');
      document.getElementById('phase-forms').textContent = 'This server needs an API key: enter it above to load the settings.';
      return;
    }
    document.getElementById('phase-forms').textContent = `Could not load the settings: ${error.message}`;
  }
}

const events = followEvents((name, data) => {
  if (name === 'phase-config:changed') {
    settings?.applyChange(data);
    return;
  }
  follower.onEvent(name, data);
  queue.onEvent(name, data);
  controls.onEvent(name, data);
  activity.onEvent(name, data);
  jobs.onEvent(name, data);
  libraries.onEvent(name, data);
}, setConnection);

keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  setApiKey(document.getElementById('api-key').value.trim());
  setConnection('connecting');
  events.restart();
  void loadAll();
});

if (getApiKey()) document.getElementById('api-key').value = getApiKey();
void loadAll();
