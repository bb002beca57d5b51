/**
 * Loads `--plugin <module>` arguments: a file path (`./jobs/email.mjs`) or a package name
 * (`phaseq-plugin-email`), resolved from the current directory like the host's own
 * imports would be. The module default-exports a plugin made with `definePlugin`, or an
 * array of them.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { JobQueue } from '../../JobQueue.js';
import { UsageError } from './errors.js';

/** What `queue.use` needs from a plugin; checked by shape, since the module may bring its own copy of phaseq. */
export interface LoadedPlugin {
  name: string;
  register(queue: JobQueue): void | Promise<void>;
}

function isPlugin(value: unknown): value is LoadedPlugin {
  if (!value || typeof value !== 'object') return false;
  const candidate = value as { name?: unknown; register?: unknown };
  return typeof candidate.name === 'string' && typeof candidate.register === 'function';
}

function looksLikePath(spec: string): boolean {
  return spec.startsWith('.') || path.isAbsolute(spec) || /\.(c|m)?js$/.test(spec) || existsSync(spec);
}

/** The URL to import for `spec`, resolved from `cwd`. */
function resolveSpecifier(spec: string, cwd: string): string {
  if (looksLikePath(spec)) {
    const file = path.resolve(cwd, spec);
    if (!existsSync(file)) throw new UsageError(`Plugin module not found: ${file}`);
    return pathToFileURL(file).href;
  }
  try {
    return pathToFileURL(createRequire(path.join(cwd, 'package.json')).resolve(spec)).href;
  } catch {
    // Packages that export only an `import` condition are not visible to require.resolve;
    // the import below then resolves them by name.
    return spec;
  }
}

/**
 * Imports every module and returns their plugins in order.
 *
 * @throws UsageError when a module cannot be found or loaded, or exports no plugin
 */
export async function loadPlugins(specs: readonly string[], cwd = process.cwd()): Promise<LoadedPlugin[]> {
  const plugins: LoadedPlugin[] = [];
  for (const spec of specs) {
    const url = resolveSpecifier(spec, cwd);
    let mod: { default?: unknown };
    try {
      mod = (await import(url)) as { default?: unknown };
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new UsageError(`Cannot load plugin module "${spec}": ${reason}`, { cause: error });
    }
    const exported = mod.default;
    const list = Array.isArray(exported) ? (exported as unknown[]) : [exported];
    if (list.length === 0 || !list.every(isPlugin)) {
      throw new UsageError(`Plugin module "${spec}" must default-export a plugin made with definePlugin (or an array of them)`);
    }
    plugins.push(...list);
  }
  return plugins;
}
