/**
 * What a plugin owns besides its jobs: its phases (registered on the queue's
 * PhaseConfigService at `queue.use`) and its migrations (tracked under its name).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pino } from 'pino';
import { JobQueue } from '../../src/JobQueue.js';
import { MemoryJobQueueStorage } from '../../src/backends/memory/storage.js';
import { MemorySettingsStore } from '../../src/backends/memory/settings.js';
import { PhaseConfigService } from '../../src/phases/PhaseConfigService.js';
import { definePlugin } from '../../src/plugins/definePlugin.js';
import { migrate, migratePlugin, pluginVersion } from '../../src/db/migrate.js';
import { ValidationError } from '../../src/errors.js';
import { tempDatabase } from '../db/helpers.js';
import { MEDIA_PHASE_SCHEMAS } from '../../src/media/phases.js';

const transcode = z.object({ crf: z.number().int().min(0).max(51).default(23).describe('Quality.') });

const queues: JobQueue[] = [];
afterEach(async () => {
  for (const q of queues.splice(0)) await q.stop();
});

function queueWithPhases(): { queue: JobQueue; phases: PhaseConfigService } {
  const phases = new PhaseConfigService({ phases: MEDIA_PHASE_SCHEMAS, store: new MemorySettingsStore() });
  const queue = new JobQueue({ storage: new MemoryJobQueueStorage(), phases, logger: pino({ level: 'silent' }) });
  queues.push(queue);
  return { queue, phases };
}

describe('a plugin that declares phases', () => {
  it("registers them on the queue's PhaseConfigService at use(), with their defaults", async () => {
    const { queue, phases } = queueWithPhases();
    const plugin = definePlugin({
      name: 'video',
      phases: { transcode },
      jobs: { transcode: { schema: z.object({ file: z.string() }), handler: async () => {} } },
    });
    expect(plugin.phases).toEqual({ transcode });
    await queue.use(plugin);
    expect(Object.keys(phases.schemas)).toContain('transcode');
    expect(await phases.getConfig('transcode' as never)).toEqual({ crf: 23 });
    await phases.set('transcode.crf', 30);
    expect(await phases.getConfig('transcode' as never)).toEqual({ crf: 30 });
  });

  it('is refused whole when a phase name is taken by another schema: no job type is registered', async () => {
    const { queue } = queueWithPhases();
    const plugin = definePlugin({
      name: 'clash',
      phases: { enrichment: transcode },
      jobs: { 'clash-job': { schema: z.object({}), handler: async () => {} } },
    });
    await expect(queue.use(plugin)).rejects.toThrow(ValidationError);
    expect(queue.registry.has('clash-job')).toBe(false);
  });

  it('registering the same schema twice is harmless', () => {
    const phases = new PhaseConfigService({ phases: MEDIA_PHASE_SCHEMAS, store: new MemorySettingsStore() });
    phases.registerPhases({ transcode });
    phases.registerPhases({ transcode });
    expect(Object.keys(phases.schemas).filter((p) => p === 'transcode')).toHaveLength(1);
  });
});

describe('a plugin that declares migrations', () => {
  it('carries them, and migratePlugin applies them under its name', () => {
    const t = tempDatabase();
    try {
      const plugin = definePlugin({
        name: 'notes',
        migrations: [
          {
            version: 1,
            name: 'notes',
            up: (db) => db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY)'),
            down: (db) => db.exec('DROP TABLE notes'),
          },
        ],
        jobs: {},
      });
      migrate(t.db);
      expect(migratePlugin(t.db, plugin).map((s) => s.name)).toEqual(['notes']);
      expect(pluginVersion(t.db, 'notes')).toBe(1);
    } finally {
      t.cleanup();
    }
  });
});
