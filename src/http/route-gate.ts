import type Router from '@koa/router';
import type { Middleware } from 'koa';
import compose from 'koa-compose';

/** Where a route's path stops being literal: a parameter, a wildcard, an optional group. */
const FIRST_PATTERN_CHARACTER = /[:*({]/;

/** A request path as the tests read it, worked out once per request: lower case, and without trailing slashes. */
interface RequestPath {
  lower: string;
  trimmed: string;
}

function requestPathOf(path: string): RequestPath {
  const lower = path.toLowerCase();
  return { lower, trimmed: lower.length > 1 ? lower.replace(/\/+$/, '') : lower };
}

/**
 * Whether a request path could match any route of these routers: a literal route must equal it
 * (a trailing slash aside), a route with parameters must share its literal start. Generous on
 * purpose, never narrower than the routers themselves; case-insensitive like them.
 */
function pathTestOf(routers: readonly Router[]): (path: RequestPath) => boolean {
  const exact = new Set<string>();
  const prefixes = new Set<string>();
  for (const router of routers) {
    for (const layer of router.stack) {
      // Layers without methods (router.use) run only beside a route that matched.
      if (layer.methods.length === 0) continue;
      if (typeof layer.path !== 'string') return () => true;
      const path = layer.path.toLowerCase();
      const pattern = path.search(FIRST_PATTERN_CHARACTER);
      if (pattern === -1) exact.add(requestPathOf(path).trimmed);
      else prefixes.add(path.slice(0, pattern));
    }
  }
  const starts = [...prefixes];
  return ({ lower, trimmed }) => exact.has(trimmed) || starts.some((start) => lower.startsWith(start));
}

export function routePathTest(routers: readonly Router[]): (path: string) => boolean {
  const test = pathTestOf(routers);
  return (path) => test(requestPathOf(path));
}

/**
 * Our routers as one middleware, each behind a test of the path: a request for one of
 * oidc-provider's own endpoints (/token, /me, /auth, introspection …), the busiest there are,
 * skips all of them, and a sign-in step (/interaction/…) passes only the three routers under that
 * path instead of being matched against each router and its allowed-methods handler in turn.
 * The order is kept: a router runs before those after it, as in one composed chain.
 */
export function gatedRoutes(routers: readonly Router[]): Middleware {
  // Router middleware expects the router's context type; at this point in the chain it is a plain Koa context.
  const gated = routers.map((router) => ({
    mayMatch: pathTestOf([router]),
    handle: compose([router.routes(), router.allowedMethods()] as Middleware[]),
  }));
  const from = (index: number, path: RequestPath, ctx: Parameters<Middleware>[0], next: () => Promise<unknown>): Promise<unknown> => {
    for (let i = index; i < gated.length; i++) {
      const { mayMatch, handle } = gated[i]!;
      if (mayMatch(path)) return handle(ctx, () => from(i + 1, path, ctx, next));
    }
    return next();
  };
  return (ctx, next) => from(0, requestPathOf(ctx.path), ctx, next);
}
