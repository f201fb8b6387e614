import type { Middleware } from 'koa';
import { AppError } from '../../errors.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses state-changing requests that a browser says came from another site (CSRF). Browsers
 * send Origin on every POST; a request without Origin must at least say Sec-Fetch-Site
 * same-origin. Scripts outside a browser must send a matching Origin header.
 */
export function sameOrigin(origin: string): Middleware {
  return async (ctx, next) => {
    if (!SAFE_METHODS.has(ctx.method)) {
      const requestOrigin = ctx.get('origin');
      const fetchSite = ctx.get('sec-fetch-site');
      const allowed = requestOrigin ? requestOrigin === origin : fetchSite === 'same-origin';
      if (!allowed) {
        throw new AppError('cross_origin_request', {
          status: 403,
          messageKey: 'error.crossOrigin',
        });
      }
    }
    await next();
  };
}
