/**
 * Import rules of phaseq, checked by `npm run lint:deps` (and in CI).
 *
 * The layers, one way: entry points (src/index.ts, src/bullmq.ts, src/express.ts,
 * src/media/index.ts) -> adapters -> the media plugin -> backends -> the assembled queue
 * (src/JobQueue.ts: the queue's machinery, its handlers and its scheduler put together) ->
 * the core (queue, handlers, plugins, phases, scheduler, storage and settings contracts,
 * db, metrics) -> the shared leaves at the top of src/ (errors, types, events, validation,
 * peers, timers).
 * Type-only imports are not followed: they leave no trace in the built code.
 */
const ENTRY = '^src/(index|bullmq|express)\\.ts$';
const LEAVES = '^src/(errors|types|events|validation|peers|timers)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      comment:
        'Folders of src/ import each other one way only. (src/ itself is left out: it holds the entry ' +
        'points, which import everything, and the shared leaves, which import nothing; see leaves-stay-leaves.)',
      severity: 'error',
      scope: 'folder',
      from: { pathNot: '^src/?$' },
      to: { circular: true, pathNot: '^src/?$' },
    },
    {
      name: 'no-module-cycles',
      comment: 'No module imports itself through others.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'leaves-stay-leaves',
      comment: 'errors, types, events, validation, peers and timers are imported by everything, so they import no folder.',
      severity: 'error',
      from: { path: LEAVES },
      to: { path: '^src/.+/' },
    },
    {
      name: 'core-knows-no-plugin-or-adapter',
      comment: 'The core never imports the media plugin or an adapter (only the entry points may).',
      severity: 'error',
      from: { path: '^src/', pathNot: [ENTRY, '^src/(media|adapters)/'] },
      to: { path: '^src/(media|adapters)/' },
    },
    {
      name: 'entry-points-take-only-media-phases',
      comment:
        "phaseq still exports the media phase schemas (public names are kept); it takes them from the plugin's " +
        'phases module, which needs nothing but zod, and nothing else of the plugin.',
      severity: 'error',
      from: { path: ENTRY },
      to: { path: '^src/media/', pathNot: '^src/media/(phases|languages|countries)\\.ts$' },
    },
    {
      name: 'media-uses-the-public-api',
      comment: 'The media plugin is built like a third-party plugin: on the public entry points only.',
      severity: 'error',
      from: { path: '^src/media/' },
      to: { path: '^src/', pathNot: ['^src/media/', ENTRY] },
    },
    {
      name: 'core-knows-no-backend',
      comment:
        'The queue, handlers, plugins, phases, storage and settings contracts know no backend; the scheduler ' +
        'may fall back to the memory schedule store.',
      severity: 'error',
      from: { path: ['^src/(queue|handlers|plugins|phases|storage|settings|metrics|db)/', '^src/JobQueue\\.ts$'] },
      to: { path: '^src/backends/' },
    },
    {
      name: 'scheduler-attached-at-assembly',
      comment:
        "The queue's machinery (src/queue) knows no scheduler: JobQueue (src/JobQueue.ts) attaches one where it " +
        'assembles the queue, and the scheduler knows the queue only by the shape it needs (SchedulingQueue).',
      severity: 'error',
      from: { path: '^src/queue/' },
      to: { path: '^src/scheduler/' },
    },
    {
      name: 'backends-stay-apart',
      comment: 'A backend does not reach into another, except the Redis one reading a SQLite file to move it (migrate-storage).',
      severity: 'error',
      from: { path: '^src/backends/(sqlite|memory)/' },
      to: { path: '^src/backends/', pathNot: '^src/backends/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports count too: a cycle of types ties the folders as firmly as a value.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
