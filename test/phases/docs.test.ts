import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describePhases } from '../../src/phases/describe.js';
import { MEDIA_PHASE_SCHEMAS } from '../../src/media/phases.js';

const doc = fs.readFileSync(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'phases', 'CONFIGURATION.md'),
  'utf8',
);

describe('docs/phases/CONFIGURATION.md', () => {
  const fields = describePhases(MEDIA_PHASE_SCHEMAS).flatMap((p) => p.fields);

  it.each(fields.map((f) => [f.setting, f] as const))('documents %s with its default and range', (setting, field) => {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${setting}\` |`));
    expect(row, `no table row for ${setting}`).toBeDefined();
    const cells = (row ?? '').split('|').map((c) => c.trim());
    // cells: '', setting, type, default, range, effect, ''
    if (typeof field.default !== 'object') expect(cells[3]).toContain(String(field.default));
    if (field.min !== undefined) expect(cells[4]).toContain(String(field.min));
    if (field.max !== undefined) expect(cells[4]).toContain(String(field.max));
    expect(cells[5]?.length ?? 0).toBeGreaterThan(20);
  });

  it('lists every default ignore pattern and video extension', () => {
    const scan = describePhases(MEDIA_PHASE_SCHEMAS)[0]?.fields ?? [];
    for (const f of scan.filter((x) => Array.isArray(x.default))) {
      for (const item of f.default as string[]) expect(doc, f.setting).toContain(item);
    }
  });
});
