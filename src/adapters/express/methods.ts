/**
 * 405 Method Not Allowed for the paths a router serves: `PUT /api/jobs` is a known route
 * asked with a method it does not take, not a missing route (404). Derived from the
 * routes the router declares, so a new route needs no second list.
 */
import type { Router } from 'express';
import { sendError } from './errors.js';

/**
 * Adds, after every route of `router`, one handler per path that answers the methods the
 * path does not take with 405 and an `Allow` header (`OPTIONS` with 204 and `Allow`).
 * Call it once the routes are declared, before the error handler.
 *
 * A request whose path matches none of the routes still falls through (to the host's own
 * routes, or `notFoundHandler`).
 */
export function allowDeclaredMethods(router: Router): void {
  const byPath = new Map<string, Set<string>>();
  for (const layer of router.stack) {
    const route = layer.route;
    if (!route) continue;
    const methods = byPath.get(route.path) ?? new Set<string>();
    for (const handler of route.stack) if (handler.method) methods.add(handler.method.toUpperCase());
    byPath.set(route.path, methods);
  }
  for (const [path, methods] of byPath) {
    // Express answers HEAD with the GET route.
    if (methods.has('GET')) methods.add('HEAD');
    const allow = [...methods, 'OPTIONS'].join(', ');
    router.all(path, (req, res) => {
      res.set('Allow', allow);
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
      sendError(
        res,
        405,
        'METHOD_NOT_ALLOWED',
        `${req.method} is not allowed on ${req.originalUrl.split('?')[0] ?? ''}; use ${[...methods].join(', ')}`,
      );
    });
  }
}
