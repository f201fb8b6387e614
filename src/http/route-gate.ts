import type Router from '@koa/router';
import type { Middleware } from 'koa';
import compose from 'koa-compose';

/** Where a route's path stops being literal: a parameter, a wildcard, an optional group. */
const FIRST_PATTERN_CHARACTER = /[:*({]/;

/**
 * Whether a request path could match any route of these routers: a literal route must equal it
 * (a trailing slash aside), a route with parameters must share its literal start. Generous on
 * purpose, never narrower than the routers themselves; case-insensitive like them.
 */
export function routePathTest(routers: readonly Router[]): (path: string) => boolean {
  const exact = new Set<string>();
  const prefixes = new Set<string>();
  for (const router of routers) {
    for (const layer of router.stack) {
      // Layers without methods (router.use) run only beside a route that matched.
      if (layer.methods.length === 0) continue;
      if (typeof layer.path !== 'string') return () => true;
      const path = layer.path.toLowerCase();
      const pattern = path.search(FIRST_PATTERN_CHARACTER);
      if (pattern === -1) exact.add(path.length > 1 ? path.replace(/\/+$/, '') : path);
      else prefixes.add(path.slice(0, pattern));
    }
  }
  const starts = [...prefixes];
  return (requestPath) => {
    const path = requestPath.toLowerCase();
    if (exact.has(path.length > 1 ? path.replace(/\/+$/, '') : path)) return true;
    return starts.some((start) => path.startsWith(start));
  };
}

/**
 * Our routers as one middleware behind a test of the path: a request for one of oidc-provider's
 * own endpoints (/token, /me, /auth, introspection …), the busiest there are, skips all of them
 * instead of being matched against each router and its allowed-methods handler in turn.
 */
export function gatedRoutes(routers: readonly Router[]): Middleware {
  // Router middleware expects the router's context type; at this point in the chain it is a plain Koa context.
  const chain = compose(routers.flatMap((router) => [router.routes(), router.allowedMethods()] as Middleware[]));
  const mayMatch = routePathTest(routers);
  return (ctx, next) => (mayMatch(ctx.path) ? chain(ctx, next) : next());
}
