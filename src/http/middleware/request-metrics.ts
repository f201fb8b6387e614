import type { Context, Middleware } from 'koa';
import type { Metrics } from '../../metrics/registry.ts';

/** Methods we answer; anything else (Node accepts dozens) is one label, so the set stays bounded. */
const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

interface RouterTraces {
  /** Set by @koa/router (ours and oidc-provider's) to the template of the route that matched. */
  _matchedRoute?: unknown;
  /** oidc-provider names its routes: `token`, `authorization`, `userinfo`, `discovery`, `jwks`, … */
  _matchedRouteName?: unknown;
}

/**
 * The route label: a template from code, never the raw path (ids, secrets and junk paths would
 * make one series each). oidc-provider's routes go by its route name: its handler defined
 * `ctx.oidc` on this very context (mounted at /, the provider runs on our ctx).
 */
function routeOf(ctx: Context): string {
  const traces = ctx as Context & RouterTraces;
  if (Object.hasOwn(ctx, 'oidc') && typeof traces._matchedRouteName === 'string') return traces._matchedRouteName;
  if (typeof traces._matchedRoute === 'string') return traces._matchedRoute;
  if (ctx.path.startsWith('/static/')) return 'static';
  return 'other';
}

/**
 * Times every request into idp_http_request_duration_seconds. First in the chain, so it sees
 * the final status after the error handler, and the whole time. No I/O and no allocation
 * beyond the observation itself.
 */
export function requestMetrics(metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    let status = 0;
    try {
      await next();
      status = ctx.status;
    } catch (error) {
      // Escaped every handler: Koa answers with the error's status, else 500.
      const thrown = (error as { status?: unknown }).status;
      status = typeof thrown === 'number' ? thrown : 500;
      throw error;
    } finally {
      const statusClass = STATUS_CLASSES[Math.floor(status / 100) - 1] ?? '5xx';
      const method = METHODS.has(ctx.method) ? ctx.method : 'other';
      metrics.observeRequest(routeOf(ctx), method, statusClass, (performance.now() - started) / 1000);
    }
  };
}
