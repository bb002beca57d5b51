/**
 * Runs examples/cli/main.ts as a user would, so the example and docs/cli.md never lie:
 * a host script that starts `phaseq worker --plugin` and adds jobs with `phaseq add`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { requireBin, ROOT, tempDir } from './support/cli.js';

beforeAll(requireBin);

it('examples/cli: the worker started with --plugin writes every greeting added from other processes', async () => {
  const workdir = tempDir('phaseq-cli-example-');
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/cli/main.ts', workdir], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('a bad payload is refused with exit code 2: error: Invalid payload for job type "greet": payload.name');
  expect(result.stdout).toContain('worker stopped with exit code 0');
  for (const name of ['Ada', 'Grace', 'Linus']) {
    expect(readFileSync(path.join(workdir, 'greetings', `${name}.txt`), 'utf8')).toBe(`Hello, ${name}!\n`);
  }
  expect(result.stdout.trimEnd().split('\n').slice(-3)).toEqual(['Hello, Ada!', 'Hello, Grace!', 'Hello, Linus!']);
}, 180_000);
