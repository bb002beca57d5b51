#!/usr/bin/env node
/**
 * The `phaseq` command. Exit codes: 0 success, 1 failure, 2 usage error (bad arguments,
 * options, payload or setting; one line on stderr, the stack only with `--verbose`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportError } from './errors.js';
import { buildProgram } from './program.js';

/** The version in phaseq's package.json, found by walking up from this file (its depth differs between source and build). */
function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'phaseq' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No readable package.json here: keep walking up.
    }
    const parent = path.dirname(dir);
    if (parent === dir) return '0.0.0';
    dir = parent;
  }
}

const verbose = process.argv.includes('--verbose');
let code = 0;
try {
  await buildProgram(packageVersion()).parseAsync(process.argv);
  code = typeof process.exitCode === 'number' ? process.exitCode : 0;
} catch (error) {
  code = reportError(error, verbose);
}
// Exit explicitly: an HTTP keep-alive socket of a provider or player must not hold the
// process open after the work is done. stdout and stderr writes are synchronous on files
// and pipes, so nothing printed is lost.
process.exit(code);
