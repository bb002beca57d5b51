/** The quickstart runs exactly as the README says (`npm run example`) and ends by itself. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/tmp.js';

describe('examples/quickstart', () => {
  it('runs every job on a fresh SQLite file and stops when drained', () => {
    const tmp = makeTempDir();
    try {
      const run = spawnSync('npm', ['run', '--silent', 'example'], {
        cwd: join(import.meta.dirname, '../..'),
        env: { ...process.env, PHASEQ_DATA: tmp.dir, LOG_LEVEL: 'info' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.status, run.stderr).toBe(0);
      const lines = run.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { msg: string; id?: string; stats?: { pending: number } });
      expect(lines.filter((l) => l.msg === 'completed')).toHaveLength(3);
      expect(lines.filter((l) => l.msg === 'failed for good')).toHaveLength(1);
      const drained = lines.find((l) => l.msg.startsWith('queue drained'));
      expect(drained?.stats).toMatchObject({ pending: 0, processing: 0, delayed: 0 });
    } finally {
      tmp.cleanup();
    }
  });
});
