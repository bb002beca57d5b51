import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { PhaseConfigService } from '../../src/phases/PhaseConfigService.js';
import { SQLiteSettingsStore } from '../../src/backends/sqlite/settings.js';
import { SQLiteJobQueueStorage } from '../../src/backends/sqlite/storage.js';
import { MEDIA_PHASE_SCHEMAS } from '../../src/media/phases.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const child = path.join(here, 'fixtures', 'phaseSettingChild.ts');
const root = path.resolve(here, '..', '..');

function runChild(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', child, ...args], { cwd: root }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phaseq-2proc-'));
  dirs.push(dir);
  return path.join(dir, 'jobs.db');
}

describe('two processes sharing one database file', () => {
  it("the parent's next getConfig sees the child's change, reported as external", async () => {
    const file = tempFile();
    const phases = new PhaseConfigService({ phases: MEDIA_PHASE_SCHEMAS, store: new SQLiteSettingsStore({ filename: file }) });
    expect((await phases.getConfig('enrichment')).maxPoster).toBe(3); // now cached
    const events: unknown[] = [];
    phases.on('changed', (change) => events.push(change));

    const result = await runChild('set', file, 'phase.enrichment.maxPoster', '8');
    expect(result).toMatchObject({ code: 0, stdout: 'ok\n' });

    expect((await phases.getConfig('enrichment')).maxPoster).toBe(8);
    expect(events).toEqual([
      { phase: 'enrichment', field: 'maxPoster', key: 'enrichment.maxPoster', previous: 3, value: 8, origin: 'external' },
    ]);
    await phases.close();
  });

  it("the child reads the parent's change, while the parent's queue shares the connection", async () => {
    const file = tempFile();
    const queue = new SQLiteJobQueueStorage({ filename: file });
    await queue.init();
    const phases = new PhaseConfigService({ phases: MEDIA_PHASE_SCHEMAS, store: new SQLiteSettingsStore({ database: queue.database }) });
    await phases.setPhase('publish', { assets: false, trailers: true });

    const result = await runChild('get', file, 'publish');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ assets: false, actors: true, trailers: true });
    await phases.close();
    await queue.close();
  });

  it("a child's invalid change is refused and changes nothing for the parent", async () => {
    const file = tempFile();
    const phases = new PhaseConfigService({ phases: MEDIA_PHASE_SCHEMAS, store: new SQLiteSettingsStore({ filename: file }) });
    const before = await phases.getAll();

    const result = await runChild('set', file, 'workflow.publishing', 'true');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ValidationError: "workflow.publishing" is a workflow switch/);
    expect(result.stderr).toContain('publish.assets');

    expect(await phases.getAll()).toBe(before); // same cached object: nothing changed
    await phases.close();
  });
});
