/**
 * Loads the optional peer dependencies of the subpaths (`express` for phaseq/express,
 * `ioredis` and `bullmq` for phaseq/bullmq) with `require`, so that a missing one is
 * caught and named with the command that installs it. A static `import` would fail while
 * Node links the modules, before any phaseq code runs, with a bare "Cannot find package".
 */
import { createRequire } from 'node:module';
import { MissingDependencyError } from './errors.js';

const requireHere = createRequire(import.meta.url);

/** True when `error` says that `name` itself (not one of its own imports) was not found. */
function isNotFound(error: unknown, name: string): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const { code } = error as { code?: unknown };
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return false;
  const message = error instanceof Error ? error.message : '';
  return message.includes(`'${name}'`) || message.includes(`"${name}"`);
}

/**
 * The module `name`, required from phaseq's own folder (where npm puts a host's peers).
 *
 * @param name the package, e.g. `express`
 * @param usedBy the phaseq subpath that needs it, e.g. `phaseq/express`
 * @param range the versions phaseq supports, as in its peerDependencies, e.g. `^5`
 * @throws MissingDependencyError naming the package and how to install it
 */
// The caller names the type of the module it loads: this is the one typed door for an optional peer.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function requirePeer<T>(name: string, usedBy: string, range: string): T {
  try {
    return requireHere(name) as T;
  } catch (error) {
    if (!isNotFound(error, name)) throw error;
    throw new MissingDependencyError(
      name,
      `${usedBy} needs the package "${name}" (${range}), an optional peer dependency of phaseq that is not installed. ` +
        `Install it next to phaseq: npm install ${name}@${range}`,
      { cause: error },
    );
  }
}

/**
 * The module `name` when it is installed, else null: for peers whose absence only turns a
 * feature off (`@opentelemetry/api`: no traces without it). Any other loading error is
 * thrown, so that a broken install is not mistaken for an absent one.
 */
// As requirePeer: the caller names the type of the module it loads.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function optionalPeer<T>(name: string): T | null {
  try {
    return requireHere(name) as T;
  } catch (error) {
    if (isNotFound(error, name)) return null;
    throw error;
  }
}
