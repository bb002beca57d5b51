/**
 * The README is also the package's page on the registry, where docs/ and examples/ are
 * not shipped: its links into the repository are absolute, and each names a file or
 * folder that exists in this checkout, so none of them breaks on either side.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
const REPO = 'https://github.com/phaseq/phaseq/';

describe('README links', () => {
  it('are absolute: no relative link that the registry page would break', () => {
    expect(links.length).toBeGreaterThan(5);
    expect(links.filter((l) => !/^(https?:|#|mailto:)/.test(l))).toEqual([]);
  });

  it('into the repository name files and folders that exist', () => {
    const targets = links
      .filter((l) => l.startsWith(REPO))
      .map((l) =>
        l
          .slice(REPO.length)
          .replace(/^(blob|tree)\/main\/?/, '')
          .replace(/#.*$/, ''),
      );
    expect(targets.length).toBeGreaterThan(5);
    for (const target of targets) expect(existsSync(path.join(root, target)), target).toBe(true);
  });

  it('matches package.json: the repository it links to is the one the package names', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { repository: { url: string } };
    expect(pkg.repository.url).toBe(`git+${REPO.replace(/\/$/, '')}.git`);
  });
});
