import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
let folder: string | undefined;
afterEach(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
});

describe('examples/plugin', () => {
  it('runs as documented: one checksum line and one .sha256 file per file', async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'phaseq-example-plugin-'));
    const files = { 'one.txt': 'first\n', 'two.txt': 'second\n' };
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(folder, name), content);

    const { stdout } = await run(path.join(root, 'node_modules/.bin/tsx'), ['examples/plugin/main.ts', folder], { cwd: root });

    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(stdout.trim().split('\n')).toEqual(
      Object.entries(files).map(([name, content]) => `${sha(content)}  ${path.join(folder!, name)}`),
    );
    for (const [name, content] of Object.entries(files)) {
      expect(readFileSync(path.join(folder, `${name}.sha256`), 'utf8')).toBe(`${sha(content)}  ${name}\n`);
    }
  });
});
